import { z } from "zod";

/** A [start, end) range of a text: UTF-16 offsets (JavaScript string indices) unless a field says otherwise. */
export const SpanSchema = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);
export type Span = z.infer<typeof SpanSchema>;

/** One module item in a slice: an `assign`, an always block, a declaration with a value, an instance... */
export const SliceItemSchema = z.object({
  kind: z.enum(["assign", "always", "declaration", "parameter", "instance", "function", "task", "enum"]),
  span: SpanSchema,
});
export type SliceItem = z.infer<typeof SliceItemSchema>;

/** The slice of one signal, or why there is none. */
export const SignalSliceSchema = z.union([
  z.object({
    direction: z.enum(["input", "output", "inout", "internal"]),
    spans: z.array(SpanSchema),
    items: z.array(SliceItemSchema),
  }),
  z.object({ error: z.string() }),
]);
export type SignalSlice = z.infer<typeof SignalSliceSchema>;

/** What the slicer (adapters/python/rtlgym_train/slice.py, slang) answers for one design. */
export const SliceAnswerSchema = z.object({
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  ok: z.boolean(),
  top: z.string().nullable().optional(),
  modules: z.array(z.string()).default([]),
  errors: z.array(z.object({ message: z.string(), offset: z.number().nullable() })),
  signals: z.record(z.string(), SignalSliceSchema),
  fatal: z.string().optional(),
});
export type SliceAnswer = z.infer<typeof SliceAnswerSchema>;
