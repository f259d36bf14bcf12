/** Host-level channels: dialogs, long tasks, menu commands, notices. */
import { z } from 'zod'
import { MAX_TEXT_CHARS, taskIdSchema, textSchema } from './base'

const filterSchema = z.strictObject({
  name: textSchema,
  extensions: z.array(z.string().regex(/^[\w*]{1,16}$/)).max(16)
})

export const openDialogRequestSchema = z.strictObject({
  /** 'dataset' accepts a folder or a .rec/.bin/.txt/.csv file. */
  kind: z.enum(['file', 'folder', 'dataset', 'workspace']),
  title: textSchema.optional(),
  filters: z.array(filterSchema).max(8).optional()
})
export const saveDialogRequestSchema = z.strictObject({
  title: textSchema.optional(),
  defaultName: z
    .string()
    .max(MAX_TEXT_CHARS)
    .regex(/^[^\\/\0]*$/, 'a file name, not a path')
    .optional(),
  filters: z.array(filterSchema).max(8).optional()
})

/**
 * A dialog's answer. `supported: false` means this host has no native dialogs (the web host):
 * show a text field for the path instead.
 */
export const dialogResultSchema = z.discriminatedUnion('supported', [
  z.strictObject({ supported: z.literal(false) }),
  z.strictObject({ supported: z.literal(true), canceled: z.boolean(), path: z.string().optional() })
])
export type DialogResult = z.infer<typeof dialogResultSchema>

export const cancelTaskRequestSchema = z.strictObject({ taskId: taskIdSchema })
export const cancelTaskResponseSchema = z.strictObject({ cancelled: z.boolean() })

/** `task:progress`: a long action's state. `fraction` null = indeterminate. */
export const taskProgressSchema = z.strictObject({
  taskId: z.string(),
  /** What it is doing, in words ("Inspecting /data/faces", "Validating the ONNX file"). */
  label: z.string(),
  phase: z.enum(['running', 'done', 'failed', 'cancelled']),
  fraction: z.number().min(0).max(1).nullable(),
  message: z.string().optional()
})
export type TaskProgress = z.infer<typeof taskProgressSchema>

/** Native menu / host commands the renderer acts on (navigate, open a dialog). */
export const MENU_COMMANDS = [
  'new-run',
  'quick-start',
  'open-workspace',
  'import-dataset',
  'export',
  'about',
  'evaluate',
  'runs'
] as const
export const menuCommandSchema = z.strictObject({ command: z.enum(MENU_COMMANDS) })
export type MenuCommand = (typeof MENU_COMMANDS)[number]
