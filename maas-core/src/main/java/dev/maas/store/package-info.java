/**
 * The model stores that ship with maas-core: {@link dev.maas.store.FileSystemModelStore}, the
 * embedded default, which keeps blobs, manifests and aliases in a directory on local or shared
 * disk using the layout described by {@link dev.maas.spi.ModelStore}.
 */
package dev.maas.store;
