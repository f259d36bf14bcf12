/**
 * The 3-D embedding view's geometry: unit vectors rotated by a 3×3 matrix and projected
 * orthographically onto the screen (the paper's Figure 1 is a sphere seen from outside).
 * Dragging multiplies the current rotation by small rotations about the screen axes.
 */
export type Vec3 = [number, number, number]
/** Row-major 3×3 rotation. */
export type Mat3 = [number, number, number, number, number, number, number, number, number]

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1]

export function multiply(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9) as Mat3
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c]
    }
  }
  return out
}

export function rotationX(angle: number): Mat3 {
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  return [1, 0, 0, 0, c, -s, 0, s, c]
}

export function rotationY(angle: number): Mat3 {
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  return [c, 0, s, 0, 1, 0, -s, 0, c]
}

export function apply(m: Mat3, v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2]
  ]
}

export function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2])
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : [0, 0, 0]
}

/**
 * A drag of (dx, dy) pixels turns the sphere about the screen's vertical axis (dx) and
 * horizontal axis (dy), `radiansPerPixel` each; applied on the left so it feels screen-fixed.
 */
export function dragRotation(current: Mat3, dx: number, dy: number, radiansPerPixel = 0.01): Mat3 {
  return multiply(multiply(rotationX(dy * radiansPerPixel), rotationY(dx * radiansPerPixel)), current)
}

export interface ProjectedPoint {
  /** Index into the input list. */
  index: number
  x: number
  y: number
  /** +1 facing the viewer, −1 at the back; draw back to front. */
  depth: number
}

/**
 * Rotates the (normalized) points and maps them to a canvas of `size` pixels with the
 * sphere's radius `radius`: screen y grows downward, so world +y is up. Sorted back to front.
 */
export function projectPoints(
  points: readonly Vec3[],
  rotation: Mat3,
  centre: { x: number; y: number },
  radius: number
): ProjectedPoint[] {
  const projected = points.map((point, index) => {
    const [x, y, z] = apply(rotation, normalize(point))
    return { index, x: centre.x + radius * x, y: centre.y - radius * y, depth: z }
  })
  return projected.sort((a, b) => a.depth - b.depth)
}

/**
 * Great circles for orientation (the equator and two meridians), as projected polylines:
 * each point carries its depth so the far half can be drawn fainter.
 */
export function projectGreatCircles(
  rotation: Mat3,
  centre: { x: number; y: number },
  radius: number,
  segments = 96
): ProjectedPoint[][] {
  const circles: ((t: number) => Vec3)[] = [
    (t) => [Math.cos(t), 0, Math.sin(t)],
    (t) => [Math.cos(t), Math.sin(t), 0],
    (t) => [0, Math.sin(t), Math.cos(t)]
  ]
  return circles.map((circle) =>
    Array.from({ length: segments + 1 }, (_, i) => {
      const [x, y, z] = apply(rotation, circle((2 * Math.PI * i) / segments))
      return { index: i, x: centre.x + radius * x, y: centre.y - radius * y, depth: z }
    })
  )
}
