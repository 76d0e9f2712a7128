// File names as the learner knows them: relative to the workspace folder, not file:///… URIs.

/** A path or file URI -> a file system path ('' stays ''). */
export function toPath(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return decodeURIComponent(new URL(file).pathname).replace(/^\/([A-Za-z]:)/, '$1');
  } catch {
    return file;
  }
}

/**
 * `file` relative to the first workspace folder that contains it, else its
 * base name with the folder it is in (enough to tell two main.py apart).
 */
export function displayPath(file: string, folders: readonly string[]): string {
  const path = toPath(file).replace(/\\/g, '/');
  if (path.startsWith('untitled:')) return path.slice('untitled:'.length) || 'Untitled';
  for (const folder of folders) {
    const root = folder.replace(/\\/g, '/').replace(/\/+$/, '');
    if (root && path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  }
  const parts = path.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || path;
}
