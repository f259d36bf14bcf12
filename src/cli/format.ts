// Plain-text formatting of durations, numbers and the verification metrics table.
import type { VerificationReport } from '../core/eval'

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--'
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`

/** The metrics table printed after training and by `eval`. */
export function metricsTable(title: string, report: VerificationReport): string {
  const rows: [string, string][] = [
    ['pairs', `${report.pairs} (${report.genuine} genuine, ${report.impostor} impostor)`],
    ['AUC', report.auc.toFixed(4)],
    ['EER', `${pct(report.eer)} at cosine ${report.eerThreshold.toFixed(4)}`]
  ]
  for (const [far, tar] of Object.entries(report.tarAtFar)) {
    const unreliable = report.unreliableFar.includes(far) ? '  (unreliable: too few impostor pairs)' : ''
    rows.push([`TAR@FAR=${far}`, `${pct(tar)}${unreliable}`])
  }
  rows.push(
    ['10-fold accuracy', `${pct(report.tenFold.mean)} ± ${pct(report.tenFold.std)}`],
    ['best-threshold accuracy', `${pct(report.bestAccuracy)}  (optimistic: threshold fitted on the test pairs)`]
  )
  const width = Math.max(...rows.map(([k]) => k.length))
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n') + '\n'
}
