// Checks the explorer page's JavaScript engine (Sources/ReverseAttention/Rendering/ExplorerEngine.swift):
// its source (one Swift declaration, nothing a <script> element or an offline page must not hold),
// the golden path cases (the reference's beams, Sankey data and path lines), exact search against
// a brute-force enumeration, printf's rounding, glibc's log/pow/exp values, the length
// normalization spellings and the error messages, the Sankey layout's geometry and the page data's
// decoding; then prints timings (never a failure). Run from the repository root:
//
//     node tools/page/check_engine.js
//
// Exits non-zero on any failure.
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');

const ROOT = path.resolve(__dirname, '..', '..');
const ENGINE_SWIFT = path.join(ROOT, 'Sources/ReverseAttention/Rendering/ExplorerEngine.swift');
const CASES = path.join(ROOT, 'Fixtures/paths/cases.json');

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

const sections = [];
let section = null;

function begin(name) {
  section = { name, passed: 0, failed: 0, shown: 0 };
  sections.push(section);
}

function check(condition, message) {
  if (condition) {
    section.passed++;
    return true;
  }
  section.failed++;
  if (section.shown < 12) {
    section.shown++;
    console.log(`  FAIL [${section.name}] ${typeof message === 'function' ? message() : message}`);
  }
  return false;
}

function relativeDifference(a, b) {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

function sameArray(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function throwsWith(run, expected) {
  try {
    run();
  } catch (error) {
    return error instanceof Error && error.message === expected ? true : `threw "${error.message}"`;
  }
  return 'did not throw';
}

// ---------------------------------------------------------------------------------------------
// Loading the engine out of the Swift file
// ---------------------------------------------------------------------------------------------

begin('engine source');
const swiftSource = fs.readFileSync(ENGINE_SWIFT, 'utf8');
const open = swiftSource.indexOf('#"""\n');
const close = swiftSource.lastIndexOf('\n"""#');
if (open < 0 || close < open) {
  console.log(`cannot find the #""" ... """# string in ${ENGINE_SWIFT}`);
  process.exit(1);
}
// A Swift multi-line string starts after the opening line and ends before the closing one.
const engineSource = swiftSource.slice(open + 5, close);
const outside = swiftSource.slice(0, open) + swiftSource.slice(close + 5);
const declarations = outside.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('///'));
check(declarations.length === 1 && /^let explorerEngineScript = $/.test(declarations[0]),
  () => `the Swift file should hold one declaration, found: ${JSON.stringify(declarations)}`);
for (const forbidden of ['</script', '<script', '<!--', 'fetch', 'XMLHttpRequest', 'import(', 'http://', 'https://', 'src="', '<link']) {
  check(!engineSource.toLowerCase().includes(forbidden.toLowerCase()), `the engine contains "${forbidden}"`);
}
// In a #"""-string, \# starts an escape and """# ends it.
check(!engineSource.includes('\\#') && !engineSource.includes('"""#'), 'the engine contains \\# or """#');

const globalsBefore = new Set(Object.getOwnPropertyNames(globalThis));
vm.runInThisContext(engineSource, { filename: 'ExplorerEngine.js' });
const R = globalThis.RatExplorer;
const newGlobals = Object.getOwnPropertyNames(globalThis).filter((name) => !globalsBefore.has(name));
check(sameArray(newGlobals, ['RatExplorer']), `the engine should define one global, defined ${newGlobals}`);
for (const name of ['decode', 'fromMatrix', 'parseLengthNorm', 'lengthNormName', 'search', 'sankey', 'layout', 'pathText', 'formatFixed']) {
  check(typeof R[name] === 'function', `RatExplorer.${name} is missing`);
}

// ---------------------------------------------------------------------------------------------
// .npy files (NumpyArray.swift reads float32 and float64, either byte order, into float32)
// ---------------------------------------------------------------------------------------------

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes[0] !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']*)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const little = descr[0] !== '>';
  const width = descr.endsWith('8') ? 8 : 4;
  if (!/^[<>=|]f[48]$/.test(descr)) throw new Error(`${file}: unsupported dtype ${descr}`);
  // A Float32Array rounds float64 values to nearest even, as Swift's Float(Double) does.
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * width;
    values[i] = width === 4
      ? (little ? bytes.readFloatLE(at) : bytes.readFloatBE(at))
      : (little ? bytes.readDoubleLE(at) : bytes.readDoubleBE(at));
  }
  return { shape, values };
}

// ---------------------------------------------------------------------------------------------
// 1. Golden cases (the Python reference's beam search)
// ---------------------------------------------------------------------------------------------

const cases = JSON.parse(fs.readFileSync(CASES, 'utf8')).cases;
const matrixCache = new Map();
function caseMatrix(c) {
  if (!matrixCache.has(c.matrix)) matrixCache.set(c.matrix, readNpy(path.join(ROOT, 'Fixtures/paths', c.matrix)));
  return matrixCache.get(c.matrix);
}
function caseExplorer(c) {
  const { shape, values } = caseMatrix(c);
  const ex = R.fromMatrix(shape[0], values, Math.max(10, c.top_k), c.mask ? c.mask.map((v) => v !== 0) : null);
  ex.bosPositions = c.bos_positions.slice();
  return ex;
}
function caseSelection(c, mode) {
  return {
    layerIndex: 0, aggIndex: 0, target: c.target_pos, topBeam: c.top_beam, topK: c.top_k, minAttn: c.min_attn,
    lengthNorm: c.length_norm, stopAtBOS: c.stop_at_bos, mode,
  };
}

begin('golden cases');
let bitIdenticalScores = 0, comparedScores = 0, bitIdenticalLinks = 0, comparedLinks = 0;
for (const c of cases) {
  const ex = caseExplorer(c);
  const result = R.search(ex, caseSelection(c, 'beam'));
  const expected = c.expected;
  check(result.target === expected.metadata.target_pos, () => `${c.name}: target ${result.target}`);
  if (!check(result.paths.length === expected.beams.length,
    () => `${c.name}: ${result.paths.length} beams, expected ${expected.beams.length}`)) continue;
  result.paths.forEach((got, i) => {
    const want = expected.beams[i];
    check(sameArray(got.positions, want.positions),
      () => `${c.name} beam ${i}: positions ${got.positions}, expected ${want.positions}`);
    check(sameArray(got.edge_attns, want.edge_attns), () => `${c.name} beam ${i}: edge_attns differ`);
    check(relativeDifference(got.score_raw, want.score_raw) <= 1e-12,
      () => `${c.name} beam ${i}: score_raw ${got.score_raw}, expected ${want.score_raw}`);
    check(relativeDifference(got.score_norm, want.score_norm) <= 1e-12,
      () => `${c.name} beam ${i}: score_norm ${got.score_norm}, expected ${want.score_norm}`);
    comparedScores += 2;
    bitIdenticalScores += (got.score_raw === want.score_raw) + (got.score_norm === want.score_norm);
    check(R.pathText(c.tokens, got.positions, got.score_norm) === expected.paths_text[i],
      () => `${c.name} beam ${i}: "${R.pathText(c.tokens, got.positions, got.score_norm)}", expected "${expected.paths_text[i]}"`);
  });
  const sankey = R.sankey(result.paths, c.tokens, c.layer);
  check(JSON.stringify(sankey.nodes) === JSON.stringify(expected.sankey.nodes), () => `${c.name}: sankey nodes differ`);
  if (check(sankey.links.length === expected.sankey.links.length, () => `${c.name}: sankey link count`)) {
    sankey.links.forEach((link, i) => {
      const want = expected.sankey.links[i];
      check(link.source === want.source && link.target === want.target && sameArray(link.beam_indices, want.beam_indices),
        () => `${c.name} link ${i}: ${JSON.stringify(link)} vs ${JSON.stringify(want)}`);
      check(relativeDifference(link.value, want.value) <= 1e-12,
        () => `${c.name} link ${i}: value ${link.value}, expected ${want.value}`);
      comparedLinks++;
      bitIdenticalLinks += link.value === want.value;
    });
  }

  // Exact search on the same case: at least as good as beam at every rank (ExactSearchTests).
  const exact = R.search(ex, caseSelection(c, 'exact'));
  const beam = result.paths;
  check(exact.paths.length >= beam.length && exact.paths.length <= c.top_beam, () => `${c.name}: exact path count`);
  for (let i = 0; i < Math.min(exact.paths.length, beam.length); i++) {
    const e = exact.paths[i].score_norm, b = beam[i].score_norm;
    check(e >= b - 1e-12 * Math.abs(b), () => `${c.name} rank ${i}: exact ${e} < beam ${b}`);
  }
  for (let i = 1; i < exact.paths.length; i++) {
    check(exact.paths[i - 1].score_norm >= exact.paths[i].score_norm, () => `${c.name}: exact paths out of order`);
  }
  const comparison = exact.comparison;
  check(comparison.beam_best_score === beam[0].score_norm && comparison.exact_best_score === exact.paths[0].score_norm &&
    comparison.beam_found_optimum === (comparison.score_gap === 0) && comparison.exact_path_count === exact.paths.length,
    () => `${c.name}: comparison ${JSON.stringify(comparison)}`);
  for (const p of exact.paths) {
    check(p.positions[0] === exact.target && p.positions.length === p.edge_attns.length + 1 &&
      p.positions.every((x, i) => i === 0 || p.positions[i - 1] > x), () => `${c.name}: malformed exact path ${p.positions}`);
  }
}
console.log(`golden cases: ${cases.length} cases; bit-identical to the reference: ${bitIdenticalScores} of ${comparedScores} beam scores, ` +
  `${bitIdenticalLinks} of ${comparedLinks} Sankey link values`);

// ---------------------------------------------------------------------------------------------
// 2. Exact search against brute force (ExactSearchTests.exactEqualsBruteForce)
// ---------------------------------------------------------------------------------------------

/// mulberry32: a small seeded generator, so failures reproduce.
function generator(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomInt = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const f32 = Math.fround;

/// A random causal row-stochastic float32 matrix, some entries exactly zero (as the Swift test's).
/// With `ties`, entries come from a few levels so that equal attentions and equal path scores abound.
function randomCausalMatrix(n, rand, ties) {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    let row = [];
    for (let j = 0; j <= i; j++) row.push(ties ? [0, 1, 1, 2, 4][randomInt(rand, 0, 4)] : f32(rand()));
    if (!ties) row = row.map((v) => (v < 0.15 ? 0 : f32(f32(v * v) * v)));
    if (row.every((v) => v === 0)) row[0] = 1;
    const sum = row.reduce((s, v) => f32(s + v), 0);
    for (let j = 0; j <= i; j++) values[i * n + j] = f32(row[j] / sum);
  }
  return values;
}

/// Every complete path of the candidate graph, enumerated independently of the engine's search:
/// candidates re-derived from the matrix, terminal rules as SPEC section 2 states them.
function bruteForcePaths(values, n, target, o) {
  const threshold = f32(o.minAttn);
  const norm = R.parseLengthNorm(o.lengthNorm);
  const candidates = (p) => {
    const row = [];
    for (let q = 0; q < p; q++) {
      let v = values[p * n + q];
      if (o.mask && !o.mask[q]) v = 0;
      if (v < threshold) v = 0;
      if (v > 0) row.push([q, v]);
    }
    row.sort((a, b) => (a[1] !== b[1] ? b[1] - a[1] : a[0] - b[0]));
    return row.slice(0, o.topK);
  };
  const bos = new Set(o.stopAtBOS ? o.bosPositions : []);
  const complete = [];
  const finish = (positions, edges) => {
    let raw = 0;
    for (const a of edges) raw += R.safeLog(a);
    complete.push({ positions, edges, raw, norm: R.normalizeScore(norm, raw, edges.length) });
  };
  const walk = (positions, edges) => {
    const current = positions[positions.length - 1];
    const next = current === 0 ? [] : candidates(current);
    if (next.length === 0) return finish(positions, edges);
    for (const [q, v] of next) {
      if (q === 0 || bos.has(q)) finish(positions.concat([q]), edges.concat([v]));
      else walk(positions.concat([q]), edges.concat([v]));
    }
  };
  walk([target], []);
  return complete.sort((a, b) => b.norm - a.norm);
}

function exactAgainstBruteForce(label, seeds, ties) {
  begin(label);
  const norms = ['none', 'avg_logprob', 'sqrt', 'pow:0.7', 'pow:1.5', 'pow:-0.3'];
  let pathsCompared = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const rand = generator(seed * 7919 + 17 + (ties ? 1000003 : 0));
    const n = randomInt(rand, 1, 11);
    const values = randomCausalMatrix(n, rand, ties);
    const o = {
      target: randomInt(rand, 0, n - 1),
      topBeam: randomInt(rand, 1, 8),
      topK: randomInt(rand, 1, 4),
      minAttn: [0, 0, 0.02, 0.1][randomInt(rand, 0, 3)],
      lengthNorm: norms[randomInt(rand, 0, norms.length - 1)],
      stopAtBOS: rand() < 0.5,
      bosPositions: [],
      mask: null,
    };
    for (let p = 0; p < n; p++) if (randomInt(rand, 0, 4) === 0) o.bosPositions.push(p);
    if (rand() < 0.5) o.mask = Array.from({ length: n }, () => randomInt(rand, 0, 5) !== 0);

    const ex = R.fromMatrix(n, values, 10, o.mask);
    ex.bosPositions = o.bosPositions;
    const selection = { ...o, layerIndex: 0, aggIndex: 0, mode: 'exact' };
    const exact = R.search(ex, selection);
    const beam = R.search(ex, { ...selection, mode: 'beam' });
    const all = bruteForcePaths(values, n, exact.target, o);
    const expected = all.slice(0, o.topBeam);
    if (!check(exact.paths.length === expected.length,
      () => `seed ${seed}: ${exact.paths.length} exact paths, brute force ${expected.length}`)) continue;
    exact.paths.forEach((got, i) => {
      const want = expected[i];
      pathsCompared++;
      check(relativeDifference(got.score_norm, want.norm) <= 1e-12,
        () => `seed ${seed} rank ${i}: score ${got.score_norm}, brute force ${want.norm}`);
      // Where the score is unique among all paths, the path itself must be the same.
      if (all.filter((p) => p.norm === want.norm).length === 1) {
        check(sameArray(got.positions, want.positions) && sameArray(got.edge_attns, want.edges),
          () => `seed ${seed} rank ${i}: ${got.positions}, brute force ${want.positions}`);
      }
    });
    for (let i = 0; i < Math.min(exact.paths.length, beam.paths.length); i++) {
      const e = exact.paths[i].score_norm, b = beam.paths[i].score_norm;
      check(e >= b - 1e-12 * Math.abs(b), () => `seed ${seed} rank ${i}: exact ${e} < beam ${b}`);
    }
    const comparison = exact.comparison;
    check(comparison.beam_best_score === beam.paths[0].score_norm &&
      comparison.exact_best_score === exact.paths[0].score_norm &&
      comparison.beam_found_optimum === (comparison.score_gap === 0), () => `seed ${seed}: comparison`);
  }
  console.log(`${label}: ${seeds} matrices, ${pathsCompared} paths compared`);
}
exactAgainstBruteForce('exact vs brute force', 300, false);
exactAgainstBruteForce('exact vs brute force (ties)', 200, true);

begin('exact finds what beam misses');
{
  // ExactSearchTests.exactFindsWhatBeamMisses: beam keeps 4->3 (0.45) over 4->2 (0.3) and ends
  // 4->3->2->0; the best path is 4->2->0.
  const rows = [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0.6, 0.4, 0, 0, 0], [0.2, 0.25, 0.3, 0.25, 0], [0.05, 0.05, 0.3, 0.45, 0.15]];
  const ex = R.fromMatrix(5, rows.flat(), 10, null);
  const selection = { topBeam: 1, topK: 2, lengthNorm: 'none', stopAtBOS: false };
  const beam = R.search(ex, { ...selection, mode: 'beam' });
  const exact = R.search(ex, { ...selection, mode: 'exact' });
  check(sameArray(beam.paths[0].positions, [4, 3, 2, 0]), `beam ${beam.paths[0].positions}`);
  check(sameArray(exact.paths[0].positions, [4, 2, 0]), `exact ${exact.paths[0].positions}`);
  check(Math.abs(exact.paths[0].score_norm - Math.log(0.3 * 0.6)) < 1e-6, 'exact score');
  check(!exact.comparison.beam_found_optimum && exact.comparison.beam_paths_in_exact_top === 0, 'comparison');
  check(Math.abs(exact.comparison.score_gap - (Math.log(0.3 * 0.6) - Math.log(0.45 * 0.3 * 0.6))) < 1e-6, 'score gap');
  check(beam.warnings.length === 0, 'no warning without stop_at_bos');
  const warned = R.search(ex, { ...selection, stopAtBOS: true });
  check(sameArray(warned.warnings, ['stop_at_bos is on but the sequence has no BOS token: paths run until position 0']),
    `warnings ${JSON.stringify(warned.warnings)}`);
  ex.bosPositions = [4];
  check(R.search(ex, { ...selection, stopAtBOS: true, target: 3 }).warnings.length === 1, 'BOS past the target does not count');
  check(R.search(ex, { ...selection, stopAtBOS: true, target: 4 }).warnings.length === 0, 'BOS at the target counts');
}

// ---------------------------------------------------------------------------------------------
// 3. Numbers: printf's %.4f, glibc's log, length normalization
// ---------------------------------------------------------------------------------------------

begin('formatFixed');
// Expected strings from Python's '%.*f' (correctly rounded from the exact binary value, exact ties
// to even, as glibc's printf).
const FIXED = [
  [0.03125, 4, '0.0312'], [-0.03125, 4, '-0.0312'], [0.09375, 4, '0.0938'], [-0.09375, 4, '-0.0938'],
  [0.15625, 4, '0.1562'], [1.03125, 4, '1.0312'], [2.96875, 4, '2.9688'], [-0.21875, 4, '-0.2188'],
  [12345.40625, 4, '12345.4062'], [0.46875, 4, '0.4688'], [-0.46875, 4, '-0.4688'], [1.00015625, 4, '1.0002'],
  [2.675, 4, '2.6750'], [1.0005, 4, '1.0005'], [-1e-05, 4, '-0.0000'], [-0.0, 4, '-0.0000'], [0.0, 4, '0.0000'],
  [0.5, 4, '0.5000'], [1.5, 4, '1.5000'], [2.5, 4, '2.5000'], [-2.5, 4, '-2.5000'],
  [1e+21, 4, '1000000000000000000000.0000'],
  [1.5e+300, 4, '1500000000000000078757140382806630373056702871662238732373781173267703686983362293679557062620671796065556665749325817265413784853040645863467188277180060474272580801389863705606745350692182135089053429852456199917621678558451461320111979114170213741868888183230085264257173504208294580298189100810240.0000'],
  [123456789.12345679, 4, '123456789.1235'], [5e-324, 4, '0.0000'], [0.1, 4, '0.1000'],
  [-1.4255290268074556, 4, '-1.4255'], [-1.4450945654648482, 4, '-1.4451'], [0.99995, 4, '1.0000'],
  [0.99994999, 4, '0.9999'], [9.99995, 4, '10.0000'], [-5e-05, 4, '-0.0001'], [5e-05, 4, '0.0001'],
  [0.00015, 4, '0.0001'], [4503599627370495.5, 4, '4503599627370495.5000'],
  [1e+22, 4, '10000000000000000000000.0000'], [-9.87654321e+25, 4, '-98765432099999996838936576.0000'],
  [0.125, 4, '0.1250'], [0.375, 4, '0.3750'], [1 / 3, 4, '0.3333'], [2 / 3, 4, '0.6667'], [1e-320, 4, '0.0000'],
  [1.7976931348623157e+308, 4, '179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.0000'],
  [0.5, 0, '0'], [1.5, 0, '2'], [2.5, 0, '2'], [3.5, 0, '4'], [-0.5, 0, '-0'], [0.4999999999999999, 0, '0'],
  [1e+21, 0, '1000000000000000000000'], [0.125, 2, '0.12'], [0.375, 2, '0.38'], [0.625, 2, '0.62'],
  [-0.875, 2, '-0.88'], [0.1, 2, '0.10'], [1 / 3, 2, '0.33'], [0.1, 20, '0.10000000000000000555'],
  [1 / 3, 20, '0.33333333333333331483'], [9.313225746154785e-10, 20, '0.00000000093132257462'],
  [0.0009765625, 20, '0.00097656250000000000'],
  [NaN, 4, 'nan'], [Infinity, 4, 'inf'], [-Infinity, 4, '-inf'],
];
for (const [x, digits, want] of FIXED) {
  const got = R.formatFixed(x, digits);
  check(got === want, () => `formatFixed(${x}, ${digits}) = "${got}", printf "${want}"`);
}
// Every exact tie k/32 (k odd) in [-8, 8] at four decimals goes to the even neighbour.
for (let k = -255; k <= 255; k += 2) {
  const x = k / 32;
  const digits = R.formatFixed(x, 4);
  check(/[02468]$/.test(digits) && Math.abs(Number(digits) - x) <= 0.00005 + 1e-15, () => `formatFixed(${x}) = ${digits}`);
}

begin('glibc log');
// Inputs where V8's Math.log and glibc's log differ (expected values from Python's math.log, which
// is glibc's), and a few plain ones.
const LOGS = [
  [0.7201756238937378, -0.3282601746415527], [0.0008670786628499627, -7.050380855368691],
  [1.1595072464842815e-05, -11.364930337613279], [0.19792285561561584, -1.6198779423114058],
  [0.0005955981323495507, -7.425944392905557], [0.01082602795213461, -4.525802048665866],
  [4.343618275015615e-05, -10.044217760275343], [0.00232921214774251, -6.062225202600815],
  [0.3730586767196655, -0.9860195614698898], [1.0363467417562333e-08, -18.384978963297325],
  [0.34565991163253784, -1.0622999016583277], [2.7888947897736216e-06, -12.789865173309911],
  [0.00016964341921266168, -8.681811857862696], [2.1856831722288916e-07, -15.33616720664452],
  [3.15510988002643e-07, -14.969072328304902], [5.599183876964231e-12, -25.90840026506439],
  [0.020359281450510025, -3.8942183801372354], [1.3426559235085733e-05, -11.218275780173089],
  [4.4904815976742896e-11, -23.826476066871198], [0.3767782151699066, -0.9760985533177916],
  [2.0840802505972533e-07, -15.38376801984448], [0.24188020825386047, -1.4193126825974207],
  [0.002964436775073409, -5.821068222393445], [6.524861078105459e-07, -14.24247598868802],
  [3.658067555534217e-07, -14.821160633272198], [0.09652712196111679, -2.3379312535343177],
  [0.09661959111690521, -2.3369737517329203], [0.18899278342723846, -1.6660464475761454],
  [0.20783279836177826, -1.5710213765746317], [0.055100347846746445, -2.8985992498350925],
  [0.9375, -0.06453852113757118], [0.96875, -0.0317486983145803], [0.999999940395355, -5.960464677379215e-08],
  [0.5, -0.6931471805599453], [1.0, 0.0], [1e-12, -27.631021115928547], [0.25, -1.3862943611198906],
  [0.1, -2.3025850929940455],
];
let mathLogDiffers = 0;
for (const [x, want] of LOGS) {
  check(R.safeLog(x) === want, () => `log(${x}) = ${R.safeLog(x)}, glibc ${want}`);
  if (Math.log(x) !== want) mathLogDiffers++;
}
check(R.safeLog(1e-30) === R.safeLog(1e-12) && R.safeLog(0) === R.safeLog(1e-12), 'safeLog clips at 1e-12');
console.log(`glibc log: ${LOGS.length} values (Math.log differs on ${mathLogDiffers} of them)`);

begin('glibc pow and exp');
// pow(edges, alpha) (length normalization) and exp (the Sankey weights) where V8's Math.pow and
// Math.exp differ from glibc's (expected values from Python, whose ** and math.exp are glibc's).
const POWS = [
  [2, 1.5, 2.8284271247461903], [7, 1.5, 18.520259177452136], [8, 1.5, 22.627416997969522], [18, 1.5, 76.36753236814714],
  [15, 0.7, 6.656775051475125], [69, 0.7, 19.372887813476257], [79, 0.7, 21.298006924699155], [88, 0.7, 22.96877695893461],
  [18, -0.3, 0.4201634287291895], [26, -0.3, 0.37627727968301555], [39, -0.3, 0.3331812996249907],
  [40, -0.3, 0.33066025977478425], [2921, 0.5, 54.046276467486635], [2, 2.5, 5.656854249492381],
  [8, 2.5, 181.01933598375618], [10, 2.5, 316.22776601683796], [15, 2.5, 871.4212528966688],
  [1, 0.7, 1], [5, 0, 1], [3, 1, 3],
];
for (const [m, alpha, want] of POWS) {
  check(R.glibcPow(m, alpha) === want, () => `pow(${m}, ${alpha}) = ${R.glibcPow(m, alpha)}, glibc ${want}`);
}
const EXPS = [
  [-19.047121682669967, 5.344907050186191e-09], [-28.582924695219845, 3.860055315068736e-13],
  [-23.39265675516799, 6.929441842612185e-11], [-23.02268012193963, 1.0031758403299606e-10],
  [-12.121956206392497, 5.438777718763479e-06], [-26.865635456051677, 2.1498233153954635e-12],
  [-286.0083643370308, 6.139677935151406e-125], [-662.3744327691384, 2.1599261107973778e-288],
  [-11.298916095402092, 1.2386342602071809e-05], [-8.46255199285224, 0.0002112323188772662],
  [-627.5250992923975, 2.9465385100671403e-273], [-505.7534495717846, 2.259787736352805e-220],
  [-745.0, 5e-324], [-744.5, 5e-324], [-708.4, 2.217119081664265e-308], [-709.5, 7.38014831401258e-309],
  [-600.25, 2.0641309109295095e-261], [-0.0, 1.0], [-1e-20, 1.0], [-1e-300, 1.0], [-800, 0], [0, 1],
];
for (const [x, want] of EXPS) {
  check(R.glibcExp(x) === want, () => `exp(${x}) = ${R.glibcExp(x)}, glibc ${want}`);
}

begin('length normalization');
const PARSED = [
  ['none', 'none', null], ['avg_logprob', 'avg_logprob', null], ['sqrt', 'sqrt', null],
  ['pow:0.7', 'pow', 0.7], ['pow: 0.7 ', 'pow', 0.7], ['pow:\t1e-1', 'pow', 0.1], ['pow:-0.3', 'pow', -0.3],
  ['pow:.5', 'pow', 0.5], ['pow:5.', 'pow', 5], ['pow:+2', 'pow', 2], ['pow:1E+2', 'pow', 100],
  ['pow:0x1p-1', 'pow', 0.5], ['pow:0x1.8', 'pow', 1.5], ['pow:\u00a00.25\u3000', 'pow', 0.25], ['pow:007', 'pow', 7],
  ['pow:\u200b0.5\u200b', 'pow', 0.5], ['pow:1e-400', 'pow', 0], ['pow:0x1p-1075', 'pow', 0], ['pow:0x1p-1074', 'pow', 5e-324],
  ['pow:0x1.00000000000008p0', 'pow', 1], ['pow:0x1.00000000000018p0', 'pow', 1.0000000000000004],
];
// (Checked against Swift 6.3's Double(String), CharacterSet.whitespaces and hasPrefix.)
for (const [text, kind, alpha] of PARSED) {
  const norm = R.parseLengthNorm(text);
  check(norm.kind === kind && (alpha === null || norm.alpha === alpha), () => `parseLengthNorm(${JSON.stringify(text)}) = ${JSON.stringify(norm)}`);
}
const powError = (mode) => `invalid pow mode format: '${mode}'. Expected 'pow:\u03b1' with a finite number \u03b1 (e.g. 'pow:0.7')`;
for (const bad of ['pow:', 'pow:abc', 'pow:inf', 'pow:-infinity', 'pow:nan', 'pow:1e400', 'pow:1.8e308', 'pow:1,5', 'pow:\u180e0.5',
  'pow:0.7x', 'pow:\n0.7', 'pow: ', 'pow:0x', 'pow:1e', 'pow:--1', 'pow:0.7\n']) {
  const outcome = throwsWith(() => R.parseLengthNorm(bad), powError(bad));
  check(outcome === true, () => `parseLengthNorm(${JSON.stringify(bad)}): ${outcome}`);
}
// A combining mark or joiner after "pow:" joins the ":" (Swift's hasPrefix compares characters).
for (const bad of ['', 'avg', 'POW:0.7', 'Sqrt', 'none ', 'pow:\u03010.5', 'pow:\u200d0.5', 'pow:\u0903']) {
  const message = `unknown length normalization '${bad}'. Expected one of: 'none', 'avg_logprob', 'sqrt', 'pow:\u03b1' (e.g. 'pow:0.7')`;
  const outcome = throwsWith(() => R.parseLengthNorm(bad), message);
  check(outcome === true, () => `parseLengthNorm(${JSON.stringify(bad)}): ${outcome}`);
}
// Swift's Double.description spelling.
const NAMES = [
  [0.7, 'pow:0.7'], [1, 'pow:1.0'], [-0.3, 'pow:-0.3'], [1e-5, 'pow:1e-05'], [0.0001, 'pow:0.0001'],
  [0.00007, 'pow:7e-05'], [1e16, 'pow:1e+16'], [100, 'pow:100.0'], [12.5, 'pow:12.5'], [123456.789, 'pow:123456.789'],
  [9007199254740992, 'pow:9007199254740992.0'], [9007199254740994, 'pow:9.007199254740994e+15'],
  [5e-324, 'pow:5e-324'], [1.5e300, 'pow:1.5e+300'], [0, 'pow:0.0'], [-0, 'pow:-0.0'], [1 / 3, 'pow:0.3333333333333333'],
];
for (const [alpha, name] of NAMES) {
  check(R.lengthNormName({ kind: 'pow', alpha }) === name, () => `lengthNormName(pow ${alpha}) = ${R.lengthNormName({ kind: 'pow', alpha })}, expected ${name}`);
}
for (const name of ['none', 'avg_logprob', 'sqrt', 'pow:0.7', 'pow:1.5', 'pow:-0.3']) {
  check(R.lengthNormName(R.parseLengthNorm(name)) === name, `round trip ${name}`);
}

begin('search errors');
{
  const ex = R.fromMatrix(3, [1, 0, 0, 1, 0, 0, 0.5, 0.5, 0], 4, null);
  const expectError = (selection, message) => {
    const outcome = throwsWith(() => R.search(ex, selection), message);
    check(outcome === true, () => `search(${JSON.stringify(selection)}): ${outcome}, expected "${message}"`);
  };
  expectError({ topBeam: 0 }, 'top_beam must be >= 1, got 0');
  expectError({ topK: 0 }, 'top_k must be >= 1, got 0');
  expectError({ lengthNorm: 'avg' }, "unknown length normalization 'avg'. Expected one of: 'none', 'avg_logprob', 'sqrt', 'pow:\u03b1' (e.g. 'pow:0.7')");
  expectError({ target: 3 }, 'target position 3 out of range for sequence length 3');
  expectError({ target: -4 }, 'target position -4 out of range for sequence length 3');
  expectError({ minAttn: NaN }, 'min_attn must be a finite number, got nan');
  expectError({ minAttn: -Infinity }, 'min_attn must be a finite number, got -inf');
  expectError({ topK: 5 }, 'top_k 5 is more than the page holds (cap 4): rerun rat with --explore-cap 5 or more');
  check(R.search(ex, { target: -1, topK: 4 }).target === 2, 'target -1 is the last position');
  check(throwsWith(() => R.search(R.fromMatrix(0, [], 4, null), {}), 'the text has no tokens: nothing to trace') === true, 'empty sequence');
}

// ---------------------------------------------------------------------------------------------
// 4. Layout geometry on every golden trace (SankeyLayoutTests.layoutIsConsistent)
// ---------------------------------------------------------------------------------------------

begin('layout');
let layouts = 0;
for (const c of cases) {
  if (c.expected.beams.length === 0) continue;
  layouts++;
  const sankey = c.expected.sankey;
  const layout = R.layout(sankey);
  check(layout.nodes.length === sankey.nodes.length && layout.links.length === sankey.links.length, () => `${c.name}: counts`);
  const index = new Map(sankey.nodes.map((node, i) => [node.id, i]));
  for (const box of layout.nodes) {
    check(box.x0 >= 0 && box.x1 <= layout.width && box.x1 - box.x0 === 20, () => `${c.name}: box x ${JSON.stringify(box)}`);
    check(box.y0 >= -1e-9 && box.y1 <= layout.height + 1e-9 && box.y1 > box.y0, () => `${c.name}: box y ${JSON.stringify(box)}`);
  }
  // Nodes in one column never overlap and keep the padding between them.
  const columns = new Map();
  layout.nodes.forEach((box) => columns.set(box.column, (columns.get(box.column) || []).concat([box])));
  for (const members of columns.values()) {
    const sorted = members.slice().sort((a, b) => a.y0 - b.y0);
    for (let i = 1; i < sorted.length; i++) {
      check(sorted[i].y0 - sorted[i - 1].y1 >= 20 - 1e-6, () => `${c.name}: nodes closer than the padding`);
    }
  }
  sankey.links.forEach((link, i) => {
    const s = layout.nodes[index.get(link.source)], t = layout.nodes[index.get(link.target)], r = layout.links[i];
    // Links run left to right and start and end inside their nodes.
    check(s.column < t.column, () => `${c.name} link ${i}: columns ${s.column} -> ${t.column}`);
    check(r.x0 === s.x1 && r.x1 === t.x0, () => `${c.name} link ${i}: x`);
    check(r.y0 >= s.y0 - 1e-6 && r.y0 <= s.y1 + 1e-6, () => `${c.name} link ${i}: y0 outside its source`);
    check(r.y1 >= t.y0 - 1e-6 && r.y1 <= t.y1 + 1e-6, () => `${c.name} link ${i}: y1 outside its target`);
  });
  // The target (the only node without outgoing links) is in the last column.
  const targetID = `L${c.expected.metadata.layer}_P${c.expected.metadata.target_pos}`;
  if (index.has(targetID) && sankey.links.length > 0) {
    const last = Math.max(...layout.nodes.map((box) => box.column));
    check(layout.nodes[index.get(targetID)].column === last, () => `${c.name}: target not in the last column`);
  }
}
check(JSON.stringify(R.layout({ nodes: [], links: [] })) === JSON.stringify({ width: 186, height: 420, nodes: [], links: [] }), 'empty layout');
console.log(`layout: ${layouts} traces`);

// ---------------------------------------------------------------------------------------------
// 5. The page's data: decode (base64, several layers and aggregations) and its checks
// ---------------------------------------------------------------------------------------------

const base64 = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64');

/// The page's `explore` object for matrices[layer][aggregation] (all of one size), as Swift writes it.
function exploreObject(matrices, cap, bosPositions) {
  const n = Math.round(Math.sqrt(matrices[0][0].length));
  const layers = matrices.length, aggregations = matrices[0].length;
  const counts = new Uint8Array(layers * aggregations * n);
  const positions = new Int32Array(counts.length * cap), weights = new Float32Array(counts.length * cap);
  matrices.forEach((perAggregation, l) => perAggregation.forEach((values, a) => {
    const one = R.fromMatrix(n, values, cap, null);
    const row = (l * aggregations + a) * n;
    counts.set(one.counts, row);
    positions.set(one.positions, row * cap);
    weights.set(one.weights, row * cap);
  }));
  return {
    cap, seq_len: n, layers: matrices.map((_, l) => l * 3), aggregations: ['mean', 'max'].slice(0, aggregations),
    counts: base64(counts), positions: base64(positions), weights: base64(weights), bos_positions: bosPositions,
  };
}

begin('decode');
{
  const picks = cases.filter((c) => !c.mask && caseMatrix(c).shape[0] >= 8).slice(0, 4).map((c) => caseMatrix(c).values);
  const n = Math.round(Math.sqrt(picks[0].length));
  const same = picks.filter((v) => v.length === n * n);
  const matrices = [[same[0], same[1 % same.length]], [same[2 % same.length], same[3 % same.length]]];
  const explore = exploreObject(matrices, 6, [0]);
  const ex = R.decode(JSON.parse(JSON.stringify(explore)));
  check(ex.cap === 6 && ex.seqLen === n && sameArray(ex.layers, [0, 3]) && sameArray(ex.aggregations, ['mean', 'max']) &&
    sameArray(ex.bosPositions, [0]), 'decoded header');
  for (let l = 0; l < 2; l++) {
    for (let a = 0; a < 2; a++) {
      const alone = R.fromMatrix(n, matrices[l][a], 6, null);
      alone.bosPositions = [0];
      for (const mode of ['beam', 'exact']) {
        const selection = { layerIndex: l, aggIndex: a, target: -1, topBeam: 4, topK: 6, minAttn: 0.01, lengthNorm: 'sqrt', stopAtBOS: true, mode };
        const fromPage = R.search(ex, selection), fromMatrix = R.search(alone, { ...selection, layerIndex: 0, aggIndex: 0 });
        check(JSON.stringify(fromPage) === JSON.stringify(fromMatrix), `layer ${l} aggregation ${a} ${mode}: decoded search differs`);
      }
    }
  }
  const expectDecodeError = (change, fragment) => {
    const broken = { ...explore, ...change };
    try {
      R.decode(broken);
      check(false, `decode accepted ${fragment}`);
    } catch (error) {
      check(error.message.includes(fragment), `decode error "${error.message}" should mention "${fragment}"`);
    }
  };
  expectDecodeError({ cap: 0 }, 'cap must be 1...255');
  expectDecodeError({ seq_len: n + 1 }, 'counts has');
  expectDecodeError({ weights: base64(new Float32Array(3)) }, 'weights has');
  expectDecodeError({ positions: 'AAAA' }, 'positions has');
  expectDecodeError({ bos_positions: [n] }, `BOS position ${n} out of range`);
  const bytesOf = (text) => { const b = Buffer.from(text, 'base64'); return b.buffer.slice(b.byteOffset, b.byteOffset + b.length); };
  const positions = new Int32Array(bytesOf(explore.positions));
  positions[5 * 6] = 5;
  expectDecodeError({ positions: base64(positions) }, 'not before 5');
  const weights = new Float32Array(bytesOf(explore.weights));
  const row = 6 * 6;
  [weights[row], weights[row + 1]] = [weights[row + 1], weights[row]];
  expectDecodeError({ weights: base64(weights) }, 'not sorted');
}

// ---------------------------------------------------------------------------------------------
// 6. Timing (printed, never a failure)
// ---------------------------------------------------------------------------------------------

function bandMatrix(n, band, rand) {
  const values = new Float32Array(n * n);
  for (let p = 0; p < n; p++) {
    const first = Math.max(0, p - band);
    let sum = 0;
    const row = [];
    for (let q = first; q <= p; q++) {
      const v = q === 0 ? 0.3 : rand() ** 3;
      row.push(v);
      sum += v;
    }
    for (let q = first; q <= p; q++) values[p * n + q] = row[q - first] / sum;
    if (first > 0) values[p * n] = 0.05; // an attention sink at position 0
  }
  return values;
}

function milliseconds(run) {
  const start = process.hrtime.bigint();
  const result = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

function timeSearch(ex, tokens, selection) {
  const runs = [];
  let last = null;
  for (let i = 0; i < 6; i++) {
    const { ms, result } = milliseconds(() => {
      const found = R.search(ex, selection);
      const sankey = R.sankey(found.paths, tokens, 0);
      return { found, layout: R.layout(sankey) };
    });
    runs.push(ms);
    last = result;
  }
  const rest = runs.slice(1).sort((a, b) => a - b);
  return { first: runs[0], median: rest[Math.floor(rest.length / 2)], last };
}

const timings = [];
{
  const rand = generator(2024);
  for (const n of [1024, 2048]) {
    const values = bandMatrix(n, 64, rand);
    const tokens = Array.from({ length: n }, (_, i) => `t${i}`);
    const built = milliseconds(() => R.fromMatrix(n, values, 10, null));
    const ex = built.result;
    ex.bosPositions = [0];
    for (const mode of ['beam', 'exact']) {
      const t = timeSearch(ex, tokens, { target: -1, topBeam: 10, topK: 10, minAttn: 0, lengthNorm: 'avg_logprob', stopAtBOS: true, mode });
      const longest = Math.max(...t.last.found.paths.map((p) => p.positions.length));
      timings.push(`n=${n} ${mode} search + sankey + layout (top_k 10, top_beam 10): first ${t.first.toFixed(1)} ms ` +
        `(fills the log cache), then ${t.median.toFixed(1)} ms; longest path ${longest} positions`);
    }
    timings.push(`n=${n} fromMatrix (cap 10): ${built.ms.toFixed(1)} ms`);
  }
  // A page exploring 32 layers x mean/max of 1,024 tokens.
  const n = 1024, cap = 10, slots = 32 * 2 * n;
  const counts = new Uint8Array(slots), positions = new Int32Array(slots * cap), weights = new Float32Array(slots * cap);
  const one = R.fromMatrix(n, bandMatrix(n, 64, rand), cap, null);
  for (let s = 0; s < 64; s++) {
    counts.set(one.counts, s * n);
    positions.set(one.positions, s * n * cap);
    weights.set(one.weights, s * n * cap);
  }
  const explore = { cap, seq_len: n, layers: Array.from({ length: 32 }, (_, i) => i), aggregations: ['mean', 'max'],
    counts: base64(counts), positions: base64(positions), weights: base64(weights), bos_positions: [0] };
  const decoded = milliseconds(() => R.decode(explore));
  timings.push(`decode of 32 layers x 2 aggregations x 1,024 positions x cap 10 ` +
    `(${((explore.positions.length + explore.weights.length + explore.counts.length) / 1e6).toFixed(1)} MB of base64): ${decoded.ms.toFixed(1)} ms`);
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

console.log('');
let failed = 0, passed = 0;
for (const s of sections) {
  console.log(`${s.failed === 0 ? 'ok  ' : 'FAIL'} ${s.name}: ${s.passed} passed, ${s.failed} failed`);
  failed += s.failed;
  passed += s.passed;
}
console.log('');
timings.forEach((line) => console.log(`timing: ${line}`));
console.log('');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
