/** Media types of the OCI image spec and Docker registry v2 that the stores must know. */
export const MediaType = {
  ImageManifest: 'application/vnd.oci.image.manifest.v1+json',
  ImageIndex: 'application/vnd.oci.image.index.v1+json',
  ImageConfig: 'application/vnd.oci.image.config.v1+json',
  ImageLayer: 'application/vnd.oci.image.layer.v1.tar',
  ImageLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  Empty: 'application/vnd.oci.empty.v1+json',
  Layout: 'application/vnd.oci.layout.header.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  OctetStream: 'application/octet-stream',
} as const;

const manifestTypes: ReadonlySet<string> = new Set([MediaType.ImageManifest, MediaType.DockerManifest]);
const indexTypes: ReadonlySet<string> = new Set([MediaType.ImageIndex, MediaType.DockerManifestList]);

/** An image manifest (OCI or Docker v2 schema 2). */
export function isImageManifestType(mediaType: string): boolean {
  return manifestTypes.has(mediaType);
}

/** An image index (OCI) or manifest list (Docker). */
export function isIndexType(mediaType: string): boolean {
  return indexTypes.has(mediaType);
}

/** Anything served from the `/manifests/` endpoint of a registry and recorded in a CTF index. */
export function isManifestType(mediaType: string): boolean {
  return manifestTypes.has(mediaType) || indexTypes.has(mediaType);
}

/** The `Accept` header value a client sends when it fetches a manifest of unknown kind. */
export const manifestAcceptHeader = [
  MediaType.ImageManifest,
  MediaType.ImageIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
].join(', ');

/** The empty JSON blob `{}` of the OCI image spec, used as config of artifacts without one. */
export const emptyJson = {
  mediaType: MediaType.Empty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  bytes: new Uint8Array([0x7b, 0x7d]),
} as const;
