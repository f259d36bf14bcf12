// Options every backbone constructor takes.
export interface BackboneOptions {
  embeddingDim: number
  /** Input side in pixels (square). */
  inputSize?: number
  /** Input channels: 1 for the glyph task, 3 (RGB) for faces. */
  channels?: number
}
