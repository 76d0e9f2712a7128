// What a Gemini API key looks like, checked while it is typed. Google API
// keys are 39 characters: "AIza" and 35 of [0-9A-Za-z_-]. Whether Google
// accepts the key is the server's check (the status says "key rejected").

export const KEY_LENGTH = 39;

/** A message for the input box, or undefined when the key has the right shape. */
export function keyShapeProblem(value: string): string | undefined {
  const key = value.trim();
  if (!key) return 'Paste the key from Google AI Studio (aistudio.google.com/apikey).';
  if (/\s/.test(key)) return 'A Gemini API key has no spaces: paste just the key.';
  if (!key.startsWith('AIza')) return 'This does not look like a Gemini API key: those start with "AIza".';
  if (!/^[0-9A-Za-z_-]+$/.test(key)) return 'A Gemini API key has only letters, digits, "-" and "_".';
  if (key.length !== KEY_LENGTH) return `A Gemini API key has ${KEY_LENGTH} characters; this one has ${key.length}.`;
  return undefined;
}

export function looksLikeGoogleKey(value: string): boolean {
  return keyShapeProblem(value) === undefined;
}
