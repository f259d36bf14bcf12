// Training data of either on-disk format reduced to the same thing: where each example's bytes
// are, its label, the class names, and the problems met while indexing.
import { join } from 'node:path'
import type { ExampleStore } from './exampleStore'
import { scanIdentityFolder } from './folderIndex'
import { indexRecordIO } from './recordioIndex'

export interface TrainingIndex {
  format: 'folder' | 'recordio'
  store: ExampleStore
  labels: Int32Array
  classNames: string[]
  problems: { path: string; problem: string }[]
}

async function indexFolder(root: string, cacheDir: string | null): Promise<TrainingIndex> {
  const scan = await scanIdentityFolder(root, cacheDir)
  const problems = [...scan.problems]
  const good = new Map<string, string[]>()
  for (const image of scan.images) {
    const full = join(root, image.path)
    if (image.problem) problems.push({ path: full, problem: image.problem })
    else {
      const list = good.get(image.identity)
      if (list) list.push(full)
      else good.set(image.identity, [full])
    }
  }
  const classNames = scan.identities.filter((name) => {
    if (good.has(name)) return true
    problems.push({ path: join(root, name), problem: 'identity folder with no readable image: left out' })
    return false
  })
  if (classNames.length === 0) {
    const why = scan.images.length
      ? `${scan.images.length} image files, none readable`
      : `no images in identity subfolders (${scan.ignored.length} other entries ignored)`
    throw new Error(`${root}: no usable identity folders (root/<identity>/<image>): ${why}`)
  }
  const paths: string[] = []
  const labels: number[] = []
  classNames.forEach((name, label) => {
    for (const path of good.get(name)!) {
      paths.push(path)
      labels.push(label)
    }
  })
  return { format: 'folder', store: { kind: 'files', paths }, labels: Int32Array.from(labels), classNames, problems }
}

function indexRecord(recPath: string): TrainingIndex {
  const index = indexRecordIO(recPath)
  // Bounded by the records: a class is an identity record or a label some image uses.
  const classNames = index.classNames ?? Array.from({ length: index.classes }, (_, i) => String(i))
  return {
    format: 'recordio',
    store: { kind: 'recordio', recPath, offsets: index.offsets },
    labels: index.labels,
    classNames,
    problems: index.problems
  }
}

export async function indexTrainingData(
  file: string,
  format: 'folder' | 'recordio',
  cacheDir: string | null
): Promise<TrainingIndex> {
  return format === 'folder' ? indexFolder(file, cacheDir) : indexRecord(file)
}
