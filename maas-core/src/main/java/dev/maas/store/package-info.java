/**
 * The model stores that ship with maas-core: {@link dev.maas.store.FileSystemModelStore}, the
 * embedded default, which keeps blobs, manifests and aliases in a directory on local or shared
 * disk using the layout described by {@link dev.maas.spi.ModelStore}; and {@link
 * dev.maas.store.CachingModelStore}, a wrapper for any store that keeps verified blobs in a bounded
 * local cache.
 */
package dev.maas.store;
