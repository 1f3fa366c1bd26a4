/**
 * Guarding user-written regular expressions (the `regex_replace` rule) so one cannot hang the process.
 *
 * JavaScript's engine backtracks, and Node offers no match timeout. So a pattern is accepted only from a
 * subset whose worst-case work is bounded by a polynomial we can compute, and every input is capped at a
 * length for which that polynomial stays under a fixed budget:
 * - no backreferences (`\1`, `\k<name>`), which make matching NP-hard;
 * - no quantified group that itself contains a quantifier or an alternation (`(a+)+`, `(a|aa)*`): the
 *   classic exponential cases;
 * - with `k` unbounded quantifiers (`*`, `+`, `{n,}`, `{n,m}` with a wide range) in one alternative, a
 *   match attempt costs at most about `n^k` steps per start position, `n^(k+1)` in all. The input limit is
 *   the largest `n` that keeps `n^(k+1)` times the choices of bounded quantifiers under about 10^7 steps
 *   (tens of milliseconds); patterns whose limit would fall under 32 characters are refused.
 */

/** Flags a `regex_replace` rule may use. `y` (sticky), `d` (indices) and `v` are not needed here. */
export const allowedRegexFlags = 'gimsu';

/** The most characters a pattern may have. */
export const maxRegexPatternLength = 500;

const stepBudget = 1e7;
const minimumInputLimit = 32;
/** A `{n,m}` range wider than this counts as unbounded. */
const wideRange = 16;

/** An accepted pattern: the compiled RegExp and the longest input it may be run on. */
export interface GuardedRegex {
  readonly regex: RegExp;
  readonly maxInputLength: number;
}

/** Why a pattern was refused, and how to fix it. */
export interface RegexProblem {
  readonly reason: string;
  readonly suggestedFix: string;
}

interface Quantifier {
  /** Alternatives the engine may backtrack over (1 for `{3}`). */
  readonly choices: number;
  readonly unbounded: boolean;
  readonly length: number;
}

/** Reads a quantifier at `position` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy). */
function readQuantifier(pattern: string, position: number): Quantifier | undefined {
  const character = pattern[position];
  let quantifier: Quantifier | undefined;
  if (character === '*' || character === '+')
    quantifier = { choices: Number.POSITIVE_INFINITY, unbounded: true, length: 1 };
  else if (character === '?') quantifier = { choices: 2, unbounded: false, length: 1 };
  else if (character === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(position));
    if (match === null) return undefined;
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
    const range = high - low;
    quantifier = { choices: range + 1, unbounded: range > wideRange, length: match[0].length };
  }
  if (quantifier === undefined) return undefined;
  if (pattern[position + quantifier.length] === '?') return { ...quantifier, length: quantifier.length + 1 };
  return quantifier;
}

/** Length of the escape sequence starting at `position` (a backslash). */
function escapeLength(pattern: string, position: number): number {
  const next = pattern[position + 1];
  if ((next === 'p' || next === 'P') && pattern[position + 2] === '{') {
    const end = pattern.indexOf('}', position);
    return end === -1 ? 2 : end - position + 1;
  }
  if (next === 'u' && pattern[position + 2] === '{') {
    const end = pattern.indexOf('}', position);
    return end === -1 ? 2 : end - position + 1;
  }
  if (next === 'u') return 6;
  if (next === 'x') return 4;
  if (next === 'c') return 3;
  return 2;
}

/** What one group (or the whole pattern) contains, for the nesting and cost rules. */
interface GroupSummary {
  /** Unbounded quantifiers per top-level alternative of this group. */
  readonly unboundedPerAlternative: number[];
  /** Product of bounded quantifier choices in this group. */
  boundedChoices: number;
  /** True when the group holds any quantifier with more than one choice, or an alternation. */
  hasChoice: boolean;
}

/**
 * Checks a pattern and its flags against the safe subset and compiles it. Returns the problem when it
 * does not compile or is refused.
 */
export function guardRegex(
  pattern: string,
  flags: string,
  inputLimit: number,
):
  | { readonly ok: true; readonly guarded: GuardedRegex }
  | { readonly ok: false; readonly problem: RegexProblem } {
  const refuse = (reason: string, suggestedFix: string) => ({
    ok: false as const,
    problem: { reason, suggestedFix },
  });
  if (pattern.length > maxRegexPatternLength) {
    return refuse(`the pattern is longer than ${maxRegexPatternLength} characters`, 'Shorten the pattern');
  }
  for (const flag of flags) {
    if (!allowedRegexFlags.includes(flag) || flags.indexOf(flag) !== flags.lastIndexOf(flag)) {
      return refuse(
        `unsupported or repeated flag \`${flag}\``,
        `Use flags from \`${allowedRegexFlags}\`, each once`,
      );
    }
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, flags);
  } catch (error) {
    return refuse(
      `it does not compile (${error instanceof Error ? error.message : String(error)})`,
      'Fix the regular expression syntax',
    );
  }

  const stack: GroupSummary[] = [{ unboundedPerAlternative: [0], boundedChoices: 1, hasChoice: false }];
  let inClass = false;
  let position = 0;
  while (position < pattern.length) {
    const character = pattern[position] as string;
    const current = stack[stack.length - 1] as GroupSummary;
    if (character === '\\') {
      const next = pattern[position + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && pattern[position + 2] === '<'))) {
        return refuse(
          'it uses a backreference',
          'Remove the backreference; use `$1` in the replacement instead',
        );
      }
      position += escapeLength(pattern, position);
    } else if (inClass) {
      if (character === ']') inClass = false;
      position += 1;
    } else if (character === '[') {
      inClass = true;
      position += 1;
    } else if (character === '(') {
      stack.push({ unboundedPerAlternative: [0], boundedChoices: 1, hasChoice: false });
      position += 1;
      continue;
    } else if (character === ')') {
      const group = stack.pop() as GroupSummary;
      const parent = stack[stack.length - 1] as GroupSummary;
      const quantifier = readQuantifier(pattern, position + 1);
      if (quantifier !== undefined && group.hasChoice) {
        return refuse(
          'a quantified group contains another quantifier or an alternation',
          'Rewrite without nested repetition, e.g. `(a+)+` as `a+` and `(a|b)+` as `[ab]+`',
        );
      }
      const groupUnbounded = Math.max(...group.unboundedPerAlternative);
      const alternatives = parent.unboundedPerAlternative;
      alternatives[alternatives.length - 1] =
        (alternatives[alternatives.length - 1] as number) + groupUnbounded;
      parent.boundedChoices *= group.boundedChoices * group.unboundedPerAlternative.length;
      parent.hasChoice ||= group.hasChoice;
      position += 1;
      if (quantifier !== undefined) {
        countQuantifier(parent, quantifier);
        position += quantifier.length;
      }
      continue;
    } else if (character === '|') {
      current.unboundedPerAlternative.push(0);
      current.hasChoice = true;
      position += 1;
      continue;
    } else {
      position += 1;
    }
    if (!inClass) {
      const quantifier = readQuantifier(pattern, position);
      if (quantifier !== undefined) {
        countQuantifier(current, quantifier);
        position += quantifier.length;
      }
    }
  }

  const root = stack[0] as GroupSummary;
  const unbounded = Math.max(...root.unboundedPerAlternative);
  const budget = stepBudget / Math.max(1, root.boundedChoices);
  const derivedLimit = Math.floor(budget ** (1 / (unbounded + 1)));
  if (derivedLimit < minimumInputLimit) {
    return refuse(
      'it has too many repetitions to run in bounded time',
      'Use fewer `*`, `+` and `?` in one pattern, or split it into several regex_replace steps',
    );
  }
  return { ok: true, guarded: { regex, maxInputLength: Math.min(inputLimit, derivedLimit) } };
}

function countQuantifier(group: GroupSummary, quantifier: Quantifier): void {
  if (quantifier.choices <= 1) return;
  group.hasChoice = true;
  if (quantifier.unbounded) {
    const alternatives = group.unboundedPerAlternative;
    alternatives[alternatives.length - 1] = (alternatives[alternatives.length - 1] as number) + 1;
  } else {
    group.boundedChoices *= quantifier.choices;
  }
}
