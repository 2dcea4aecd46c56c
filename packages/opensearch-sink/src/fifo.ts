/** A FIFO with O(1) shift (head index, compacted now and then). */
export class Fifo<V> {
  private items: V[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(value: V): void {
    this.items.push(value);
  }

  peek(): V | undefined {
    return this.items[this.head];
  }

  shift(): V | undefined {
    if (this.head >= this.items.length) return undefined;
    const value = this.items[this.head] as V;
    this.items[this.head++] = undefined as V;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return value;
  }

  drain(): V[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
