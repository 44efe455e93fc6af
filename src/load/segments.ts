/**
 * k6's execution segments (lib/execution_segment.go), transcribed: how k6 splits one test
 * across instances so that each computes its own exact share from its segment and the
 * sequence alone. Rationals are exact (bigint); the striping of integers (VUs) and of
 * iteration indexes (arrival-rate starts) is k6's NewExecutionSegmentSequenceWrapper
 * algorithm, so the shares of N instances always add up to the unsegmented value.
 *
 *   --execution-segment 1/2:1 --execution-segment-sequence 0,1/2,1
 *
 * Used by both engines (the k6 engine passes the flags, the built-in engine applies the same
 * arithmetic to its own schedule) and by `--engine k6-operator` (the segments its runners get).
 */

/** An exact non-negative fraction. */
export interface Rat {
  n: bigint;
  d: bigint;
}

export interface Segment {
  /** 0 ≤ from < to ≤ 1 */
  from: Rat;
  to: Rat;
}

const ZERO: Rat = { n: 0n, d: 1n };
const ONE: Rat = { n: 1n, d: 1n };

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function rat(n: bigint | number, d: bigint | number = 1n): Rat {
  let nn = BigInt(n),
    dd = BigInt(d);
  if (dd < 0n) [nn, dd] = [-nn, -dd];
  const g = gcd(nn, dd) || 1n;
  return { n: nn / g, d: dd / g };
}
const sub = (a: Rat, b: Rat) => rat(a.n * b.d - b.n * a.d, a.d * b.d);
const cmp = (a: Rat, b: Rat) => (a.n * b.d === b.n * a.d ? 0 : a.n * b.d < b.n * a.d ? -1 : 1);

/** big.Rat RatString: "1/2", "0", "1" */
function ratString(r: Rat): string {
  return r.d === 1n ? String(r.n) : `${r.n}/${r.d}`;
}

/** lib/execution_segment.go stringToRat: "50%", "0.5", "1/2" (big.Rat.SetString forms k6 accepts). */
function parseRat(text: string): Rat {
  if (text.endsWith('%')) {
    const num = text.slice(0, -1);
    if (!/^[+-]?\d+$/.test(num)) throw new Error(`'${text}' is not a valid percentage`);
    return rat(BigInt(num), 100n);
  }
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(text);
  if (frac && BigInt(frac[2]) !== 0n) return rat(BigInt(frac[1]), BigInt(frac[2]));
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (dec && (dec[2] || dec[3])) {
    const digits = dec[3] ?? '';
    const n = BigInt(`${dec[1]}${dec[2] || '0'}${digits}`);
    return rat(n, 10n ** BigInt(digits.length));
  }
  throw new Error(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
}

/**
 * big.Rat FloatString(2): exact, the last digit rounded half away from zero — 201/200 is
 * "1.01", where Number.toFixed(2) of the float 1.005 gives "1.00".
 */
function floatString2(r: Rat): string {
  const neg = r.n < 0n;
  const n = neg ? -r.n : r.n;
  let q = (n * 100n) / r.d;
  if (2n * ((n * 100n) % r.d) >= r.d) q++;
  return `${neg ? '-' : ''}${q / 100n}.${String(q % 100n).padStart(2, '0')}`;
}

/** lib/execution_segment.go NewExecutionSegment: its three checks, word for word. */
function newSegment(from: Rat, to: Rat): Segment {
  const f2 = floatString2;
  if (cmp(from, ZERO) < 0) throw new Error(`segment start value should be at least 0 but was ${f2(from)}`);
  if (cmp(from, to) >= 0) throw new Error(`segment start(${f2(from)}) should be less than its end(${f2(to)})`);
  if (cmp(to, ONE) > 0) throw new Error(`segment end value shouldn't be more than 1 but was ${f2(to)}`);
  return { from, to };
}

/** ExecutionSegment.UnmarshalText: "a:b", or "b" meaning "0:b"; "" is the whole test. */
export function parseSegment(text: string): Segment {
  const [fromText, toText] = text.includes(':')
    ? [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)]
    : ['0', text || '1'];
  return newSegment(parseRat(fromText), parseRat(toText));
}

/** ExecutionSegment.String: "0:1/2" */
export function segmentString(s: Segment): string {
  return `${ratString(s.from)}:${ratString(s.to)}`;
}

/** NewExecutionSegmentSequenceFromString: "0,1/2,1" → (0,1/2], (1/2,1]. */
export function parseSequence(text: string): Segment[] {
  if (text === '') return [];
  const points = text.split(',');
  if (points.length < 2)
    throw new Error(`at least 2 points are needed for an execution segment sequence, ${points.length} given`);
  const rats = points.map(parseRat);
  return rats.slice(1).map((to, i) => newSegment(rats[i], to));
}

/** ExecutionSegmentSequence.String: "0,1/2,1" */
export function sequenceString(seq: Segment[]): string {
  return seq.length === 0 ? '' : [ratString(seq[0].from), ...seq.map((s) => ratString(s.to))].join(',');
}

/**
 * The segments meshproof gives N instances: N equal consecutive parts, i/N:(i+1)/N — what
 * ExecutionSegment.Split(N) of the whole test gives, and what the k6 operator passes its
 * runners for `parallelism: N` (see src/load/k6-operator/).
 */
export function evenSegments(n: number): Segment[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`the number of parts should be at least 1, ${n} received`);
  return Array.from({ length: n }, (_, i) => newSegment(rat(i, n), rat(i + 1, n)));
}

/**
 * ExecutionSegmentSequenceWrapper (NewExecutionSegmentSequenceWrapper): a full sequence with
 * its least common denominator and, per segment, the striped offsets — offsets[i][0] is the
 * first index that belongs to segment i, the rest are the steps to the next ones, repeating
 * every `lcd` indexes.
 */
class SequenceWrapper {
  readonly lcd: number;
  readonly offsets: number[][];

  constructor(readonly sequence: Segment[]) {
    if (!isFull(sequence))
      throw new Error(`Cannot wrap around a non-full execution segment sequence '${sequenceString(sequence)}'`);
    const lengths = sequence.map((s) => sub(s.to, s.from));
    // ExecutionSegmentSequence.LCD
    let lcd = Number(lengths[0].d);
    for (const l of lengths.slice(1)) {
      const n = Number(l.d);
      if (lcd === n || lcd % n === 0) continue;
      lcd *= n / Number(gcd(BigInt(lcd), BigInt(n)));
    }
    this.lcd = lcd;
    const offsets: number[][] = sequence.map(() => []);
    // biggest segments first (sort.SliceStable: ties keep their order)
    const sorted = lengths
      .map((l, i) => ({ norm: Number(l.n) * (lcd / Number(l.d)), index: i }))
      .sort((a, b) => b.norm - a.norm || a.index - b.index);
    const prev = sequence.map(() => 0);
    const chosen = sequence.map(() => 0);
    const save = (iteration: number, index: number, numerator: number) => {
      offsets[index].push(iteration - prev[index]);
      prev[index] = iteration;
      if (offsets[index].length === numerator) offsets[index].push(offsets[index][0] + lcd - iteration);
    };
    for (let i = 0; i < lcd; i++) {
      for (let s = 0; s < sorted.length; s++) {
        const num = chosen[s] * lcd;
        const den = sorted[s].norm;
        const q = Math.floor(num / den);
        if (i > q || (i === q && num % den === 0)) {
          chosen[s]++;
          save(i, sorted[s].index, den);
          break;
        }
      }
    }
    this.offsets = offsets;
  }

  /** ExecutionSegmentSequenceWrapper.ScaleInt64: segment `index`'s share of `value`. */
  scaleInt64(index: number, value: number): number {
    const [start, ...steps] = this.offsets[index];
    let result = Math.floor(value / this.lcd) * steps.length;
    for (let gi = 0, i = start; i < value % this.lcd; i += steps[gi], gi++) result++;
    return result;
  }

  /** GetNewExecutionSegmentSequenceFromValue: the sequence re-cut so each part is its ScaleInt64(value)/value. */
  fromValue(value: number, tracked: number): { wrapper: SequenceWrapper; index: number } {
    if (value < 1) throw new Error(`cannot generate new sequence for value ${value}`);
    if (value % this.lcd === 0) return { wrapper: this, index: tracked };
    const next: Segment[] = [];
    let prev = 0;
    let index = -1;
    for (let i = 0; i < this.sequence.length; i++) {
      const scaled = this.scaleInt64(i, value);
      if (scaled === 0) continue;
      if (i === tracked) index = next.length;
      next.push({ from: rat(prev, value), to: rat(prev + scaled, value) });
      prev += scaled;
    }
    if (index === -1)
      throw new Error(
        `segment ${tracked} (${segmentString(this.sequence[tracked])}) isn't present in the new sequence`,
      );
    return { wrapper: new SequenceWrapper(next), index };
  }
}

function isFull(seq: Segment[]): boolean {
  if (seq.length === 0 || cmp(seq[0].from, ZERO) !== 0 || cmp(seq[seq.length - 1].to, ONE) !== 0) return false;
  return seq.every((s, i) => i === 0 || cmp(s.from, seq[i - 1].to) === 0);
}

/** GetFilledExecutionSegmentSequence: the sequence (or the lone segment) padded to cover 0…1. */
function filledSequence(sequence: Segment[], segment?: Segment): Segment[] {
  let result =
    sequence.length > 0
      ? [...sequence]
      : segment && cmp(sub(segment.to, segment.from), ONE) !== 0
        ? [segment]
        : [{ from: ZERO, to: ONE }];
  if (cmp(result[0].from, ZERO) !== 0) result = [{ from: ZERO, to: result[0].from }, ...result];
  if (cmp(result[result.length - 1].to, ONE) !== 0)
    result = [...result, { from: result[result.length - 1].to, to: ONE }];
  return result;
}

/**
 * ExecutionTuple: one instance's segment within its sequence — what every executor scales by.
 * ScaleInt64 divides integers (VUs); stripe() yields the global iteration indexes this
 * instance runs (SegmentedIndex / GetStripedOffsets).
 */
export class Tuple {
  private constructor(
    readonly wrapper: SequenceWrapper,
    readonly index: number,
  ) {}

  /** NewExecutionTuple (no segment = the whole test, 0:1). */
  static of(segment?: Segment, sequence: Segment[] = []): Tuple {
    const wrapper = new SequenceWrapper(filledSequence(sequence, segment));
    const seg = segment ?? { from: ZERO, to: ONE };
    // FindSegmentPosition
    const index = wrapper.sequence.findIndex((s) => cmp(s.from, seg.from) === 0 && cmp(s.to, seg.to) === 0);
    if (index < 0)
      throw new Error(`couldn't find segment ${segmentString(seg)} in sequence ${sequenceString(wrapper.sequence)}`);
    return new Tuple(wrapper, index);
  }

  /** ExecutionTuple.ScaleInt64 */
  scaleInt64(value: number): number {
    return this.wrapper.sequence.length === 1 ? value : this.wrapper.scaleInt64(this.index, value);
  }

  /** ExecutionTuple.GetNewExecutionTupleFromValue (the arrival-rate executors re-cut by maxVUs in Init). */
  fromValue(value: number): Tuple {
    const { wrapper, index } = this.wrapper.fromValue(value, this.index);
    return new Tuple(wrapper, index);
  }

  /** Global indexes 0, 1, 2, … that belong to this segment, in order (constant_arrival_rate.go Run: `gi`). */
  *stripe(): Generator<number> {
    const [start, ...steps] = this.wrapper.offsets[this.index];
    for (let li = 0, gi = start; ; gi += steps[li % steps.length], li++) yield gi;
  }

  get segment(): Segment {
    return this.wrapper.sequence[this.index];
  }
}

/** The k6 flags for instance `index` of `count`. */
export function segmentFlags(index: number, count: number): string[] {
  const segments = evenSegments(count);
  return [
    '--execution-segment',
    segmentString(segments[index]),
    '--execution-segment-sequence',
    sequenceString(segments),
  ];
}
