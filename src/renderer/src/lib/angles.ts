/** Margins are given in radians (ArcFace m) or as cosines (D-Softmax d); users think in degrees. */

export function radiansToDegrees(radians: number): number {
  return (radians * 180) / Math.PI
}

export function degreesToRadians(degrees: number): number {
  return (degrees * Math.PI) / 180
}

/** "0.5 rad = 28.65°" */
export function describeAngle(radians: number): string {
  return `${Number(radians.toFixed(4))} rad = ${radiansToDegrees(radians).toFixed(2)}°`
}

/** The angle whose cosine is `cosine`: D-Softmax's d = 0.9 ends the pull at θ ≈ 25.84°. */
export function describeCosine(cosine: number): string {
  if (!(cosine >= -1 && cosine <= 1)) return 'not a cosine'
  return describeAngle(Math.acos(cosine))
}
