/**
 * Renders build/icon.svg into every icon electron-builder needs, and commits nothing by itself:
 *   build/icons/<N>x<N>.png   Linux (AppImage, .deb), N = 16 … 1024
 *   build/icon.png            1024 px, the fallback every platform accepts
 *   build/icon.ico            Windows (NSIS, the .exe): 16 … 256 px
 *   build/icon.icns           macOS (DMG, the .app): 16 … 1024 px, incl. @2x
 * Run `npm run icons` after changing the drawing and commit the results.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { writeFileAtomic } from '../src/core/util/atomicWrite'
import { ICNS_PNG_TYPES, writeIcns, writeIco } from './icons/containers'

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const

async function render(svg: Buffer, size: number): Promise<Buffer> {
  // Rendered at the target size (not downscaled from 1024) so small sizes stay crisp.
  return sharp(svg, { density: Math.max(1, (72 * size) / 1024) })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer()
}

async function main(): Promise<void> {
  const buildDir = fileURLToPath(new URL('../build/', import.meta.url))
  const svg = readFileSync(join(buildDir, 'icon.svg'))
  const sizes = [...new Set<number>([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_PNG_TYPES.map((t) => t.pixels)])]
  const pngs = new Map<number, Buffer>()
  for (const size of sizes) pngs.set(size, await render(svg, size))
  const png = (size: number): Buffer => {
    const data = pngs.get(size)
    if (!data) throw new Error(`icons: ${size} px was not rendered`)
    return data
  }

  mkdirSync(join(buildDir, 'icons'), { recursive: true })
  for (const size of LINUX_SIZES) writeFileAtomic(join(buildDir, 'icons', `${size}x${size}.png`), png(size))
  writeFileAtomic(join(buildDir, 'icon.png'), png(1024))
  writeFileAtomic(join(buildDir, 'icon.ico'), writeIco(ICO_SIZES.map((size) => ({ size, png: png(size) }))))
  writeFileAtomic(join(buildDir, 'icon.icns'), writeIcns(ICNS_PNG_TYPES.map(({ type, pixels }) => ({ type, png: png(pixels) }))))
  console.log(
    `icons: wrote ${LINUX_SIZES.length} PNGs, icon.png, icon.ico (${ICO_SIZES.length} sizes), icon.icns (${ICNS_PNG_TYPES.length} elements) in ${buildDir}`
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
