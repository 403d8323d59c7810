/** A template as the index knows it: its graph label, its id, its member. */
export interface IndexEntry {
  label: number;
  templateId: string;
  memberId: string;
}

/**
 * Which template and member each index label is, kept compact: at a million templates the
 * index's own bookkeeping must not outweigh the descriptors. A label maps to a slot; per slot,
 * typed arrays hold the label and the member, and one array the template id; a member's id is
 * stored once, with its templates chained through the slots (no Set per member).
 */
export class EntryTable {
  private readonly slotOfLabel = new Map<number, number>();
  private labels = new Float64Array(1024);
  private memberSlotOf = new Int32Array(1024);
  private nextInMember = new Int32Array(1024);
  private readonly templateIds: (string | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  private readonly memberSlotById = new Map<string, number>();
  private readonly memberIds: (string | undefined)[] = [];
  private firstOfMember = new Int32Array(1024);
  private readonly freeMemberSlots: number[] = [];

  get size(): number {
    return this.slotOfLabel.size;
  }

  has(label: number): boolean {
    return this.slotOfLabel.has(label);
  }

  get(label: number): IndexEntry | undefined {
    const slot = this.slotOfLabel.get(label);
    if (slot === undefined) return undefined;
    return { label, templateId: this.templateIds[slot]!, memberId: this.memberIds[this.memberSlotOf[slot]!]! };
  }

  set(entry: IndexEntry): void {
    if (this.slotOfLabel.has(entry.label)) return;
    const slot = this.freeSlots.pop() ?? this.templateIds.length;
    if (slot === this.templateIds.length) this.templateIds.push(undefined);
    this.ensureSlots(slot + 1);
    const memberSlot = this.memberSlot(entry.memberId);
    this.slotOfLabel.set(entry.label, slot);
    this.labels[slot] = entry.label;
    this.templateIds[slot] = entry.templateId;
    this.memberSlotOf[slot] = memberSlot;
    this.nextInMember[slot] = this.firstOfMember[memberSlot]!;
    this.firstOfMember[memberSlot] = slot;
  }

  delete(label: number): boolean {
    const slot = this.slotOfLabel.get(label);
    if (slot === undefined) return false;
    const memberSlot = this.memberSlotOf[slot]!;
    // Unlink from the member's chain (chains are a member's few templates: a walk is cheap).
    if (this.firstOfMember[memberSlot] === slot) this.firstOfMember[memberSlot] = this.nextInMember[slot]!;
    else {
      let previous = this.firstOfMember[memberSlot]!;
      while (this.nextInMember[previous] !== slot) previous = this.nextInMember[previous]!;
      this.nextInMember[previous] = this.nextInMember[slot]!;
    }
    if (this.firstOfMember[memberSlot] === -1) {
      this.memberSlotById.delete(this.memberIds[memberSlot]!);
      this.memberIds[memberSlot] = undefined;
      this.freeMemberSlots.push(memberSlot);
    }
    this.slotOfLabel.delete(label);
    this.templateIds[slot] = undefined;
    this.freeSlots.push(slot);
    return true;
  }

  /** Members with at least one template. */
  get memberCount(): number {
    return this.memberSlotById.size;
  }

  /** The members with at least one template. */
  members(): string[] {
    return [...this.memberSlotById.keys()];
  }

  /** How many templates a member has (a walk of its short chain, no array). */
  countOf(memberId: string): number {
    const memberSlot = this.memberSlotById.get(memberId);
    if (memberSlot === undefined) return 0;
    let count = 0;
    for (let slot = this.firstOfMember[memberSlot]!; slot !== -1; slot = this.nextInMember[slot]!) count++;
    return count;
  }

  labelsOf(memberId: string): number[] {
    const memberSlot = this.memberSlotById.get(memberId);
    if (memberSlot === undefined) return [];
    const labels: number[] = [];
    for (let slot = this.firstOfMember[memberSlot]!; slot !== -1; slot = this.nextInMember[slot]!) labels.push(this.labels[slot]!);
    return labels;
  }

  *all(): IterableIterator<IndexEntry> {
    for (const label of this.slotOfLabel.keys()) yield this.get(label)!;
  }

  private memberSlot(memberId: string): number {
    const known = this.memberSlotById.get(memberId);
    if (known !== undefined) return known;
    const slot = this.freeMemberSlots.pop() ?? this.memberIds.length;
    if (slot === this.memberIds.length) this.memberIds.push(undefined);
    if (slot >= this.firstOfMember.length) this.firstOfMember = grow(this.firstOfMember, slot + 1, -1);
    this.memberIds[slot] = memberId;
    this.firstOfMember[slot] = -1;
    this.memberSlotById.set(memberId, slot);
    return slot;
  }

  private ensureSlots(count: number): void {
    if (count <= this.labels.length) return;
    this.labels = grow(this.labels, count, 0);
    this.memberSlotOf = grow(this.memberSlotOf, count, 0);
    this.nextInMember = grow(this.nextInMember, count, -1);
  }
}

function grow<T extends Float64Array | Int32Array>(array: T, atLeast: number, fill: number): T {
  const next = new (array.constructor as new (length: number) => T)(Math.max(atLeast, array.length * 2));
  next.set(array);
  next.fill(fill, array.length);
  return next;
}
