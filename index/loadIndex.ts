import type { FaceIndex } from './faceIndex.js';

export interface StoredTemplate {
  id: string;
  label: number;
  memberId: string;
  descriptor: ArrayLike<number>;
}

/**
 * Fills an index from the source of truth, a page at a time, yielding to the event loop between
 * pages so that /healthz keeps answering while a large gallery loads. Returns the count loaded.
 */
export async function loadIndex(index: FaceIndex, pages: AsyncIterable<StoredTemplate[]>): Promise<number> {
  let loaded = 0;
  for await (const page of pages) {
    for (const t of page) index.add({ label: t.label, templateId: t.id, memberId: t.memberId }, t.descriptor);
    loaded += page.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return loaded;
}
