// A node's files that agents hand each other (subnet.env, host-local's state, the flannel
// plugin's saved configs), by absolute path. It counts the paths holding each content, so
// host-local's search for a container's files (a scan of the whole directory, as the plugin
// does) is skipped when none holds it: the usual case, a new sandbox's ADD.
export class NodeFiles extends Map<string, string> {
  private readonly contents = new Map<string, number>();

  override set(path: string, content: string): this {
    const old = super.get(path);
    if (old !== undefined) this.uncount(old);
    this.contents.set(content, (this.contents.get(content) ?? 0) + 1);
    return super.set(path, content);
  }

  override delete(path: string): boolean {
    const old = super.get(path);
    if (old !== undefined) this.uncount(old);
    return super.delete(path);
  }

  override clear(): void {
    this.contents.clear();
    super.clear();
  }

  /** Whether some path holds exactly this content. */
  holds(content: string): boolean {
    return this.contents.has(content);
  }

  private uncount(content: string): void {
    const n = this.contents.get(content)! - 1;
    if (n) this.contents.set(content, n);
    else this.contents.delete(content);
  }
}
