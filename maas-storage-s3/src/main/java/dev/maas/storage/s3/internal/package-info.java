/**
 * The implementation of the S3 store: key layout, error translation, parallel transfers, stall
 * watchdog and retries. Not an API: never import it from outside this module.
 */
package dev.maas.storage.s3.internal;
