/// The explorer page's path-search engine, in JavaScript: the page embeds every explored layer's
/// per-row candidates (`ExplorerData`) and re-runs, in the browser, exactly the searches the Swift
/// code runs (candidate selection, beam and exact search, the comparison, length normalization,
/// the Sankey data and layout, the CLI's path line). Pure functions, no DOM; one global,
/// `RatExplorer`. Inlined into a `<script>` element, so it never contains a closing script tag
/// and loads nothing. `node tools/page/check_engine.js` checks it against the golden cases.
let explorerEngineScript = #"""
var RatExplorer = (function () {
  'use strict';

  // ---------------------------------------------------------------------------------------------
  // Doubles bit by bit
  // ---------------------------------------------------------------------------------------------

  var scratchDouble = new Float64Array(1);
  var scratchWords = new Uint32Array(scratchDouble.buffer);
  var LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  var LOW_WORD = LITTLE_ENDIAN ? 0 : 1;
  var HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;

  /// x + y rounded to odd: exact sums stay exact; an inexact one becomes whichever of the two
  /// neighbouring doubles has an odd last bit (Boldo & Melquiond's rounding to odd).
  function addRoundToOdd(x, y) {
    var s = x + y;
    var b = s - x;
    var error = (x - (s - b)) + (y - b);
    if (error === 0 || s !== s) return s;
    scratchDouble[0] = s;
    if ((scratchWords[LOW_WORD] & 1) === 1) return s;
    // s is even: step one ulp towards the exact sum (the bit pattern is monotonic in magnitude).
    if ((error > 0) === (s > 0)) {
      scratchWords[LOW_WORD] += 1;
    } else if (scratchWords[LOW_WORD] === 0) {
      scratchWords[LOW_WORD] = 0xffffffff;
      scratchWords[HIGH_WORD] -= 1;
    } else {
      scratchWords[LOW_WORD] -= 1;
    }
    return scratchDouble[0];
  }

  var VELTKAMP_SPLITTER = 134217729; // 2^27 + 1

  /// a * b + c with one rounding, as the FMA instruction computes it (JavaScript has none).
  /// The product is split exactly (Dekker), then the three-term sum is rounded once
  /// (Boldo & Melquiond: RN(a + b + c) = RN(th + RO(tl + ul))). Exact for the operands log, pow
  /// and exp below meet (finite, no overflow, no underflow of the product's error term).
  function fusedMultiplyAdd(a, b, c) {
    var product = a * b;
    var t = VELTKAMP_SPLITTER * a;
    var aHigh = t - (t - a), aLow = a - aHigh;
    t = VELTKAMP_SPLITTER * b;
    var bHigh = t - (t - b), bLow = b - bHigh;
    var productError = ((aHigh * bHigh - product) + aHigh * bLow + aLow * bHigh) + aLow * bLow;
    // (uh, ul) = TwoSum(productError, c); (th, tl) = TwoSum(product, uh)
    var uh = productError + c;
    var v = uh - productError;
    var ul = (productError - (uh - v)) + (c - v);
    var th = product + uh;
    v = th - product;
    var tl = (product - (th - v)) + (uh - v);
    return th + addRoundToOdd(tl, ul);
  }

  // ---------------------------------------------------------------------------------------------
  // log, bit for bit as glibc computes it
  // ---------------------------------------------------------------------------------------------
  //
  // Swift (on Linux) and the Python reference take log from glibc; V8's Math.log differs from it in
  // the last bit for about 1.5% of float32 inputs, which would change raw scores and so the order
  // of near-tied paths. This is glibc 2.28+'s log (Szabolcs Nagy's, from ARM's optimized-routines)
  // as its x86-64 FMA build computes it (the variant glibc picks on any CPU with FMA): the same
  // table, polynomials and the same fused multiply-adds. Checked equal to glibc's log on every
  // float32 in [1e-12, 2^20].

  var LN2_HIGH = 0.6931471805598903, LN2_LOW = 5.497923018708371e-14;
  // log1p(r) - r ~= r^2 * (A0 + r A1 + ...), |r| < 1/256
  var A0 = -0.5000000000000001, A1 = 0.33333333331825593, A2 = -0.2499999999622955,
    A3 = 0.20000304511814496, A4 = -0.16667054827627667;
  // log(1 + r) near 1: r + r^2 B0 + r^3 (B1 + r B2 + ...)
  var B0 = -0.5, B1 = 0.3333333333333352, B2 = -0.24999999999998432, B3 = 0.19999999999320328,
    B4 = -0.16666666669929706, B5 = 0.14285715076560868, B6 = -0.12499997863982555,
    B7 = 0.11110712032936046, B8 = -0.10000486757818193, B9 = 0.09181994006195467,
    B10 = -0.08328363062289341;
  // 128 subintervals of [0x1.6p-1, 0x1.6p0): 1/c and log(c) for a c near each one's centre.
  var LOG_TABLE = [
    1.4504249240398293, -0.3718565645633589, 1.442253508327276, -0.36620682668944937,
    1.4341736174350004, -0.3605888069791945, 1.426183816329995, -0.3550022171419869,
    1.4182825527052965, -0.34944666968829097, 1.4104682921759335, -0.3439217713603284,
    1.4027396147468003, -0.3384271921261188, 1.3950954438932313, -0.332962831494342,
    1.3875338232485754, -0.32752794345742586, 1.3800539211058593, -0.32212257167088865,
    1.3726542695419708, -0.3167462884799761, 1.3653332798446802, -0.3113985598928366,
    1.358090204587874, -0.3060794515165526, 1.3509234892132138, -0.300788424667644,
    1.3438320840699889, -0.2955252968476998, 1.3368146974742003, -0.29028969275850613,
    1.329870114677736, -0.2850812793277555, 1.322997339161106, -0.27989987391470095,
    1.316195352741367, -0.27474526621870154, 1.3094628125672239, -0.2696169863701243,
    1.3027990455471041, -0.26451506180308115, 1.2962024229438942, -0.2594387762767383,
    1.2896726275815547, -0.2543884090981692, 1.2832080305745537, -0.24936321635129843,
    1.276807885983376, -0.24436312405975968, 1.2704714060687552, -0.23938801747897287,
    1.2641976054949482, -0.23443761696705678, 1.257985357514882, -0.22951151871518505,
    1.2518337750655457, -0.2246094963439873, 1.2457421919097305, -0.21973149037705753,
    1.2397094966625508, -0.2148770752847895, 1.2337348463589233, -0.210046029103637,
    1.2278176973028803, -0.20523836373934046, 1.2219570190618474, -0.20045368751368642,
    1.2161519732977757, -0.1956917537758045, 1.2104018095009725, -0.19095237845203883,
    1.204705805718973, -0.18623539250290833, 1.1990631185441964, -0.18154051731551135,
    1.1934733004462308, -0.1768677957431919, 1.1879350812847385, -0.17221657406412305,
    1.1824481322833125, -0.16758697765942543, 1.1770114976921955, -0.16297859687290384,
    1.1716248121809465, -0.15839151377804228, 1.1662869231674715, -0.15382513241456763,
    1.1609977486762766, -0.14927976358922024, 1.1557563220795803, -0.14475495398119165,
    1.1505619105480347, -0.14025044090817573, 1.1454138888505974, -0.1357660466685502,
    1.140311877374656, -0.1313018016355727, 1.1352550225747513, -0.12685731518763532,
    1.1302429094831266, -0.1224325737671279, 1.1252747693068048, -0.11802724521862729,
    1.1203501571039876, -0.11364127671663482, 1.1154683327680124, -0.10927434611278386,
    1.1106291463292157, -0.10492665324943573, 1.1058315813301596, -0.10059761422644442,
    1.1010752177696026, -0.09628717309055901, 1.0963597137952512, -0.09199534069557558,
    1.0916844827550398, -0.08772190036688698, 1.0870487291277784, -0.08346643613867855,
    1.082452357388312, -0.07922916827544668, 1.0778948225025884, -0.0750099004750382,
    1.0733751731601076, -0.07080805133352897, 1.068893585073351, -0.06662408085151128,
    1.0644491706655506, -0.06245745471915143, 1.0600414846328305, -0.0583080438042316,
    1.0556701316181605, -0.05417576112313327, 1.051334750556926, -0.050060547896805474,
    1.0470347288442157, -0.045962101199052086, 1.0427699229652954, -0.04188056008865715,
    1.0385395013738175, -0.03781540056183985, 1.034343418940345, -0.03376684757915882,
    1.0301811073173315, -0.029734619131772888, 1.026052043621297, -0.025718470239212365,
    1.0219561082336197, -0.021718543925430822, 1.0178926505784922, -0.01773446126981071,
    1.0138614436244586, -0.013766252464051831, 1.0098620186501341, -0.009813706322574944,
    1.0058938559734134, -0.005876555150052809, 1.00195696235014, -0.0019550499938532084,
    0.9961089923088509, 0.0038985973556009412, 0.9884170338185201, 0.011650571286395461,
    0.9808429191005297, 0.019342955478919066, 0.9733840169987446, 0.0269766014846482,
    0.9660377568876556, 0.034552359728422744, 0.9588014945307369, 0.04207121767183253,
    0.9516728569073111, 0.049533940950141186, 0.9446494635965822, 0.056941358295944156,
    0.9377288993026223, 0.06429439168346107, 0.9309091073790681, 0.0715936354946507,
    0.924187681612722, 0.07884010933776153, 0.9175626765599192, 0.08603438905970506,
    0.9110320403624034, 0.09317721180013905, 0.9045935839762024, 0.10026951462748457,
    0.8982456375922825, 0.10731170956330516, 0.8919860966782501, 0.11430473320717738,
    0.8858131121185129, 0.12124928503033061, 0.879725075760676, 0.12814583422959913,
    0.8737201372634685, 0.1349951636851756, 0.8677966405782273, 0.1417978768189414,
    0.8619528050060739, 0.14855476039031146, 0.8561872354420692, 0.1552661937658968,
    0.8504983927816893, 0.16193275688146969, 0.8448844572790304, 0.16855539792220497,
    0.8393442741575965, 0.1751343179947753, 0.8338762249349438, 0.1816702989864325,
    0.8284789320557778, 0.18816387146023317, 0.8231510800065832, 0.1946155228479256,
    0.8178913903778707, 0.20102572579389744, 0.8126984007245374, 0.2073952090795501,
    0.8075710029460227, 0.21372429840596396, 0.8025078881160415, 0.2200135945981856,
    0.7975077379364331, 0.22626374162859975, 0.792569604966373, 0.23247494747693054,
    0.7876923641254114, 0.23864766620658884, 0.7828746724940998, 0.24478265647405806,
    0.7781155388790811, 0.25088025827324145, 0.7734139557869777, 0.2569408552510595,
    0.7687687179914933, 0.26296511155101143, 0.7641790698041854, 0.2689531327189343,
    0.7596438763692399, 0.27490553924610595, 0.7551621951078668, 0.2808227248478943,
    0.7507331780216866, 0.286704979267256, 0.7463557196361751, 0.29255295645509705,
    0.7420289364869653, 0.2983670386142876, 0.7377521537065876, 0.30414734587282055,
    0.7335242966002608, 0.30989455774829366, 0.729344777457841, 0.31560871301871884,
  ];
  var NEAR_ONE_LOW = 0.9375;            // 1 - 0x1p-4
  var NEAR_ONE_HIGH = 1.064697265625;   // 1 + 0x1.09p-4

  function glibcLog(x) {
    var r, r2, r3, hi, lo;
    if (x >= NEAR_ONE_LOW && x < NEAR_ONE_HIGH) {
      if (x === 1) return 0;
      r = x - 1;
      r2 = r * r;
      r3 = r * r2;
      var p123 = fusedMultiplyAdd(r2, B3, fusedMultiplyAdd(r, B2, B1));
      var p456 = fusedMultiplyAdd(r2, B6, fusedMultiplyAdd(r, B5, B4));
      var p78910 = fusedMultiplyAdd(r3, B10, fusedMultiplyAdd(r2, B9, fusedMultiplyAdd(r, B8, B7)));
      var poly = fusedMultiplyAdd(fusedMultiplyAdd(p78910, r3, p456), r3, p123);
      // r = rhi + rlo with rhi short enough that rhi^2 is exact.
      var w = r * 134217728;
      var rHigh = (r + w) - w;
      var rLow = r - rHigh;
      var rHigh2 = rHigh * rHigh;
      hi = r + rHigh2 * B0;
      lo = (r - hi) + rHigh2 * B0;
      lo = fusedMultiplyAdd(r + rHigh, B0 * rLow, lo);
      return hi + fusedMultiplyAdd(poly, r3, lo);
    }
    if (x !== x || x < 0) return NaN;
    if (x === 0) return -Infinity;
    if (x === Infinity) return x;
    scratchDouble[0] = x;
    var high = scratchWords[HIGH_WORD];
    if (high < 0x00100000) {
      // Subnormal: scale into the normal range.
      scratchDouble[0] = x * 4503599627370496; // 2^52
      scratchWords[HIGH_WORD] -= 52 << 20;
      high = scratchWords[HIGH_WORD];
    }
    // x = 2^k z with z in [0x1.6p-1, 0x1.6p0); the low word is unchanged.
    var offset = (high - 0x3fe60000) | 0;
    var i = (offset >>> 13) & 127;
    var k = offset >> 20;
    scratchWords[HIGH_WORD] = high - (offset & 0xfff00000);
    var z = scratchDouble[0];
    var inverseC = LOG_TABLE[2 * i], logC = LOG_TABLE[2 * i + 1];
    r = fusedMultiplyAdd(z, inverseC, -1);
    var w2 = fusedMultiplyAdd(k, LN2_HIGH, logC);
    hi = w2 + r;
    lo = fusedMultiplyAdd(k, LN2_LOW, (w2 - hi) + r);
    r2 = r * r;
    r3 = r * r2;
    var p12 = fusedMultiplyAdd(r, A2, A1);
    var p34 = fusedMultiplyAdd(r, A4, A3);
    var t = fusedMultiplyAdd(r2, A0, lo);
    return fusedMultiplyAdd(fusedMultiplyAdd(p34, r2, p12), r3, t) + hi;
  }

  /// The reference's safe_log: log with values below 1e-12 clipped.
  function safeLog(x) {
    return glibcLog(1e-12 >= x ? 1e-12 : x);
  }

  // ---------------------------------------------------------------------------------------------
  // pow and exp, bit for bit as glibc computes them
  // ---------------------------------------------------------------------------------------------
  //
  // Length normalization divides by pow(edges, alpha) and the Sankey weights are a softmax (exp);
  // V8's Math.pow and Math.exp differ from glibc's in the last bit for a few percent of inputs
  // (pow:1.5 scores of a quarter of the golden beams). These are glibc 2.28+'s pow and exp (the
  // same origin and x86-64 FMA build as the log above), checked equal to glibc's on tens of
  // millions of inputs.

  // log(x) with extra precision for pow: 1/c, log(c) and its tail for 128 subintervals of
  // [0x1.69555p-1, 0x1.69555p0).
  var POW_LOG_TABLE = [
    1.4140625, -0.3464667673462145, 5.929407345889625e-15,
    1.40625, -0.34092658697056777, -2.544157440035963e-14,
    1.3984375, -0.3353555419211034, -3.443525940775045e-14,
    1.390625, -0.3297532863724655, -2.500123826022799e-15,
    1.3828125, -0.32411946865420305, -8.929337133850617e-15,
    1.375, -0.31845373111855224, 1.7625431312172662e-14,
    1.3671875, -0.31275571000389846, 1.5688303180062087e-15,
    1.359375, -0.3070250352949415, 2.9655274673691784e-14,
    1.3515625, -0.3012613305781997, 3.7923164802093147e-14,
    1.34375, -0.2954642128938758, 3.993416384387844e-14,
    1.3359375, -0.28963329258306203, 1.9352855826489123e-14,
    1.3359375, -0.28963329258306203, 1.9352855826489123e-14,
    1.328125, -0.28376817313062475, -1.9852665484979036e-14,
    1.3203125, -0.27786845100342816, -2.814323765595281e-14,
    1.3125, -0.2719337154836694, 2.7643769993528702e-14,
    1.3046875, -0.2659635484970977, -4.025092402293806e-14,
    1.296875, -0.25995752443691345, -1.2621729398885316e-14,
    1.2890625, -0.25391520998095984, -3.600176732637335e-15,
    1.2890625, -0.25391520998095984, -3.600176732637335e-15,
    1.28125, -0.2478361639045943, 1.3029797173308663e-14,
    1.2734375, -0.2417199368871934, 4.8230289429940886e-14,
    1.265625, -0.23556607131274632, -2.0592242769647135e-14,
    1.2578125, -0.22937410106487732, 3.149265065191484e-14,
    1.25, -0.22314355131425145, 4.169796584527195e-14,
    1.25, -0.22314355131425145, 4.169796584527195e-14,
    1.2421875, -0.21687393830063684, 2.2477465222466186e-14,
    1.234375, -0.21056476910735, 3.6507188831790577e-16,
    1.2265625, -0.2042155414286526, -3.827767260205414e-14,
    1.2265625, -0.2042155414286526, -3.827767260205414e-14,
    1.21875, -0.19782574332987224, -4.7641388950792196e-14,
    1.2109375, -0.19139485299967873, 4.9278276214647115e-14,
    1.203125, -0.18492233849406148, 4.9485167661250996e-14,
    1.203125, -0.18492233849406148, 4.9485167661250996e-14,
    1.1953125, -0.1784076574728033, -1.5003333854266542e-14,
    1.1875, -0.17185025692663203, -2.7194441649495324e-14,
    1.1875, -0.17185025692663203, -2.7194441649495324e-14,
    1.1796875, -0.1652495728952772, -2.99659267292569e-14,
    1.171875, -0.15860503017665906, 2.0472357800461955e-14,
    1.171875, -0.15860503017665906, 2.0472357800461955e-14,
    1.1640625, -0.15191604202584585, 3.879296723063646e-15,
    1.15625, -0.1451820098444614, -3.6506824353335045e-14,
    1.1484375, -0.13840232285906495, -5.4183331379008994e-14,
    1.1484375, -0.13840232285906495, -5.4183331379008994e-14,
    1.140625, -0.131576357788731, 1.1729485484531301e-14,
    1.140625, -0.131576357788731, 1.1729485484531301e-14,
    1.1328125, -0.12470347850091912, -3.811763084710266e-14,
    1.125, -0.11778303565643, 4.654729747598445e-14,
    1.125, -0.11778303565643, 4.654729747598445e-14,
    1.1171875, -0.11081436634026431, -2.5799991283069902e-14,
    1.109375, -0.10379679368168127, 3.7700471749674615e-14,
    1.109375, -0.10379679368168127, 3.7700471749674615e-14,
    1.1015625, -0.09672962645856842, 1.7306161136093256e-14,
    1.1015625, -0.09672962645856842, 1.7306161136093256e-14,
    1.09375, -0.089612158689647, -4.012913552726574e-14,
    1.0859375, -0.08244366921110213, 2.7541708360737882e-14,
    1.0859375, -0.08244366921110213, 2.7541708360737882e-14,
    1.078125, -0.07522342123763792, 5.0396178134370583e-14,
    1.078125, -0.07522342123763792, 5.0396178134370583e-14,
    1.0703125, -0.06795066190852594, 1.8195060030168815e-14,
    1.0625, -0.06062462181648698, 5.213620639136504e-14,
    1.0625, -0.06062462181648698, 5.213620639136504e-14,
    1.0546875, -0.053244514518837605, 2.532168943117445e-14,
    1.0546875, -0.053244514518837605, 2.532168943117445e-14,
    1.046875, -0.045809536031242715, -5.148849572685811e-14,
    1.046875, -0.045809536031242715, -5.148849572685811e-14,
    1.0390625, -0.038318864302141264, 4.6652946995830086e-15,
    1.0390625, -0.038318864302141264, 4.6652946995830086e-15,
    1.03125, -0.03077165866670839, -4.529814257790929e-14,
    1.03125, -0.03077165866670839, -4.529814257790929e-14,
    1.0234375, -0.023167059281490765, -4.361324067851568e-14,
    1.015625, -0.015504186535963527, -1.7274567499706107e-15,
    1.015625, -0.015504186535963527, -1.7274567499706107e-15,
    1.0078125, -0.0077821404420319595, -2.298941004620351e-14,
    1.0078125, -0.0077821404420319595, -2.298941004620351e-14,
    1.0, 0.0, 0.0,
    1.0, 0.0, 0.0,
    0.9921875, 0.007843177461040796, -1.4902732911301337e-14,
    0.984375, 0.01574835696817445, -3.527980389655325e-14,
    0.9765625, 0.023716526617363343, -4.730054772033249e-14,
    0.96875, 0.03174869831457272, 7.580310369375161e-15,
    0.9609375, 0.039845908547249564, -4.9893776716773285e-14,
    0.953125, 0.048009219186383234, -2.262629393030674e-14,
    0.9453125, 0.056239718322899535, -2.345674491018699e-14,
    0.94140625, 0.06038051098892083, -1.3352588834854848e-14,
    0.93359375, 0.06871389254808946, -3.765296820388875e-14,
    0.92578125, 0.07711730334438016, 5.1128335719851986e-14,
    0.91796875, 0.08559193033545398, -5.046674438470119e-14,
    0.9140625, 0.08985632912185793, 3.1218748807418837e-15,
    0.90625, 0.09844007281321865, 3.3871241029241416e-14,
    0.8984375, 0.10709813555638448, -1.7376727386423858e-14,
    0.89453125, 0.11145544092528326, 3.957125899799804e-14,
    0.88671875, 0.12022742699821265, -5.2849453521890294e-14,
    0.8828125, 0.12464244520731427, -3.767012502308738e-14,
    0.875, 0.13353139262449076, 3.1859736349078334e-14,
    0.87109375, 0.13800567301939282, 5.0900642926060466e-14,
    0.86328125, 0.14701474296180095, 8.710783796122478e-15,
    0.859375, 0.15154989812720032, 6.157896229122976e-16,
    0.8515625, 0.16068238169043525, 3.821577743916796e-14,
    0.84765625, 0.16528009093906348, 3.9440046718453496e-14,
    0.83984375, 0.17453941635187675, 2.2924522154618074e-14,
    0.8359375, 0.17920142945774842, -3.742530094732263e-14,
    0.83203125, 0.18388527877016259, -2.5223102140407338e-14,
    0.82421875, 0.1933193110035063, -1.0320443688698849e-14,
    0.8203125, 0.19806991376208316, 1.0634128304268335e-14,
    0.8125, 0.20763936477828793, -4.3425422595242564e-14,
    0.80859375, 0.21245865121420593, -1.2527395755711364e-14,
    0.8046875, 0.21730127569003344, -5.204008743405884e-14,
    0.80078125, 0.22216746534115828, -3.979844515951702e-15,
    0.79296875, 0.2319714654378231, -4.7955860343296286e-14,
    0.7890625, 0.2369097470783572, 5.015686013791602e-16,
    0.78515625, 0.24187253642048745, -7.252318953240293e-16,
    0.78125, 0.2468600779315011, 2.4688324156011588e-14,
    0.7734375, 0.2569104137850218, 5.465121253624792e-15,
    0.76953125, 0.26197371574153294, 4.102651071698446e-14,
    0.765625, 0.2670627852490952, -4.996736502345936e-14,
    0.76171875, 0.27217788591576664, 4.903580708156347e-14,
    0.7578125, 0.27731928541618345, 5.089628039500759e-14,
    0.75390625, 0.28248725557466514, 1.1782016386565151e-14,
    0.74609375, 0.29290401643288533, 4.727452940514406e-14,
    0.7421875, 0.29815337231912054, -4.4204083338755686e-14,
    0.73828125, 0.3034304294199046, 1.548345993498083e-14,
    0.734375, 0.30873548164959175, 2.1522127491642888e-14,
    0.73046875, 0.3140688276249648, 1.1054030169005386e-14,
    0.7265625, 0.31943077076641657, -5.534326352070679e-14,
    0.72265625, 0.3248216194012912, -5.351646604259541e-14,
    0.71875, 0.33024168687052224, 5.4612144489920215e-14,
    0.71484375, 0.3356912916381134, 2.8136969901227338e-14,
    0.7109375, 0.3411707574027787, -1.156568624616423e-14,
  ];
  // log1p(r) - r - r^2/2 coefficients, scaled as the evaluation expects.
  var P0 = -0.5, P1 = -0.6666666666666679, P2 = 0.5000000000000007, P3 = 0.7999999995323976,
    P4 = -0.6666666663487739, P5 = -1.142909628459501, P6 = 1.0000415263675542;

  var powLogTail = 0;

  /// log(x) as hi + powLogTail for a positive normal x (glibc's log_inline).
  function powLog(x) {
    scratchDouble[0] = x;
    var high = scratchWords[HIGH_WORD];
    var offset = (high - 0x3fe69555) | 0;
    var i = (offset >>> 13) & 127;
    var k = offset >> 20;
    scratchWords[HIGH_WORD] = high - (offset & 0xfff00000);
    var z = scratchDouble[0];
    var inverseC = POW_LOG_TABLE[3 * i], logC = POW_LOG_TABLE[3 * i + 1], logCTail = POW_LOG_TABLE[3 * i + 2];
    var r = fusedMultiplyAdd(z, inverseC, -1);
    var t1 = fusedMultiplyAdd(k, LN2_HIGH, logC);
    var t2 = t1 + r;
    var lo1 = fusedMultiplyAdd(k, LN2_LOW, logCTail);
    var lo2 = (t1 - t2) + r;
    var ar = P0 * r, ar2 = r * ar, ar3 = r * ar2;
    var hi = t2 + ar2;
    var lo3 = fusedMultiplyAdd(ar, r, -ar2);
    var lo4 = (t2 - hi) + ar2;
    var q = fusedMultiplyAdd(
      fusedMultiplyAdd(fusedMultiplyAdd(r, P6, P5), ar2, fusedMultiplyAdd(r, P4, P3)), ar2, fusedMultiplyAdd(r, P2, P1));
    var lo = fusedMultiplyAdd(q, ar3, ((lo1 + lo2) + lo3) + lo4);
    var y = hi + lo;
    powLogTail = (hi - y) + lo;
    return y;
  }

  // exp(x) = 2^(k/128) exp(r): per k mod 128, 2^(j/128) as a tail (double) and a scale's bits.
  var EXP_TABLE = [
    0.0, 0x3ff00000, 0x00000000, 9.447885451727066e-17, 0x3feff63d, 0xa9fb3335,
    -1.507066976926039e-17, 0x3fefec9a, 0x3e778061, -5.679155082825012e-17, 0x3fefe315, 0xe86e7f85,
    4.9997448722726326e-17, 0x3fefd9b0, 0xd3158574, -4.823683599994895e-17, 0x3fefd06b, 0x29ddf6de,
    7.357846871247418e-18, 0x3fefc745, 0x18759bc8, 5.773230223741951e-17, 0x3fefbe3e, 0xcac6f383,
    8.189317638195515e-17, 0x3fefb558, 0x6cf9890f, 5.326891139980878e-17, 0x3fefac92, 0x2b7247f7,
    1.6665881442326747e-18, 0x3fefa3ec, 0x32d3d1a2, -1.128113245461828e-17, 0x3fef9b66, 0xaffed31b,
    -7.402825309426177e-17, 0x3fef9301, 0xd0125b51, -3.578659767309563e-18, 0x3fef8abd, 0xc06c31cc,
    -6.170654745608695e-17, 0x3fef829a, 0xaea92de0, 2.919139999949279e-17, 0x3fef7a98, 0xc8a58e51,
    -2.7939114859515733e-17, 0x3fef72b8, 0x3c7d517b, -5.399285355184285e-17, 0x3fef6af9, 0x388c8dea,
    4.776959425256223e-17, 0x3fef635b, 0xeb6fcb75, -7.927701432338473e-17, 0x3fef5be0, 0x84045cd4,
    9.341710609905046e-17, 0x3fef5487, 0x3168b9aa, -5.534520675707472e-17, 0x3fef4d50, 0x22fcd91d,
    4.585670326662351e-17, 0x3fef463b, 0x88628cd6, 2.8582430411116143e-17, 0x3fef3f49, 0x917ddc96,
    7.826573258636076e-17, 0x3fef387a, 0x6e756238, 4.053626906769216e-17, 0x3fef31ce, 0x4fb2a63f,
    2.823784425951061e-17, 0x3fef2b45, 0x65e27cdd, -7.882802262487991e-17, 0x3fef24df, 0xe1f56381,
    3.2904726646008416e-17, 0x3fef1e9d, 0xf51fdee1, -1.5792094703347882e-18, 0x3fef187f, 0xd0dad990,
    4.721368121170128e-17, 0x3fef1285, 0xa6e4030b, 1.3045277096919659e-17, 0x3fef0caf, 0xa93e2f56,
    3.3484623336251524e-17, 0x3fef06fe, 0x0a31b715, 3.8611199774925664e-17, 0x3fef0170, 0xfc4cd831,
    5.527550048505249e-17, 0x3feefc08, 0xb26416ff, -3.927184172445234e-17, 0x3feef6c5, 0x5f929ff1,
    -6.346552106729483e-17, 0x3feef1a7, 0x373aa9cb, -8.684417614865944e-17, 0x3feeecae, 0x6d05d866,
    -1.5456342819397733e-17, 0x3feee7db, 0x34e59ff7, -8.70763476495455e-17, 0x3feee32d, 0xc313a8e5,
    3.750854201303127e-17, 0x3feedea6, 0x4c123422, -6.616854503526488e-17, 0x3feeda45, 0x04ac801c,
    -5.346099009198751e-18, 0x3feed60a, 0x21f72e2a, -2.443726321015018e-17, 0x3feed1f5, 0xd950a897,
    2.1023049675215714e-18, 0x3feece08, 0x6061892d, 7.771067937501065e-17, 0x3feeca41, 0xed1d0057,
    1.3357510088834541e-17, 0x3feec6a2, 0xb5c13cd0, 6.938291696959204e-17, 0x3feec32a, 0xf0d7d3de,
    1.9572585293112036e-17, 0x3feebfda, 0xd5362a27, 6.632256961675804e-17, 0x3feebcb2, 0x99fddd0d,
    -5.478069123926778e-17, 0x3feeb9b2, 0x769d2ca7, -4.140839310392624e-17, 0x3feeb6da, 0xa2cf6642,
    -2.1571477251208752e-17, 0x3feeb42b, 0x569d4f82, -3.8287766552120535e-17, 0x3feeb1a4, 0xca5d920f,
    6.663804589232195e-17, 0x3feeaf47, 0x36b527da, 2.3936187400285282e-17, 0x3feead12, 0xd497c7fd,
    5.68648095791174e-17, 0x3feeab07, 0xdd485429, 1.1264523354521684e-18, 0x3feea926, 0x8a5946b7,
    7.007875046906994e-17, 0x3feea76f, 0x15ad2148, -5.0119214278381254e-17, 0x3feea5e1, 0xb976dc09,
    -4.8923067513522756e-17, 0x3feea47e, 0xb03a5585, -3.5260089953269434e-17, 0x3feea346, 0x34ccc320,
    -6.872303720902018e-17, 0x3feea238, 0x82552225, 5.001446664133532e-18, 0x3feea155, 0xd44ca973,
    -6.835808657661922e-17, 0x3feea09e, 0x667f3bcd, -1.1307344092910212e-17, 0x3feea012, 0x750bdabf,
    -8.416011634717156e-18, 0x3fee9fb2, 0x3c651a2f, -2.9247977035436566e-17, 0x3fee9f7d, 0xf9519484,
    -2.092304381843353e-17, 0x3fee9f75, 0xe8ec5f74, -3.9778645875427124e-17, 0x3fee9f9a, 0x48a58174,
    -3.833464968654295e-17, 0x3fee9feb, 0x564267c9, 5.763611164480894e-17, 0x3feea069, 0x4fde5d3f,
    -2.3591094770850053e-17, 0x3feea114, 0x73eb0187, 7.260074661098575e-17, 0x3feea1ed, 0x0130c132,
    9.50689710108796e-18, 0x3feea2f3, 0x36cf4e62, -4.272956133839906e-17, 0x3feea427, 0x543e1a12,
    -6.735219232374683e-17, 0x3feea589, 0x994cce13, -2.8396044410430936e-17, 0x3feea71a, 0x4623c7ad,
    -7.226635472101257e-17, 0x3feea8d9, 0x9b4492ed, 5.786121003395918e-17, 0x3feeaac7, 0xd98a6699,
    5.1548301170786783e-17, 0x3feeace5, 0x422aa0db, -9.416257568878152e-18, 0x3feeaf32, 0x16b5448c,
    2.4253985766689806e-17, 0x3feeb1ae, 0x99157736, -6.604314051707707e-17, 0x3feeb45b, 0x0b91ffc6,
    -6.432131775424189e-18, 0x3feeb737, 0xb0cdc5e5, -1.2204007601863921e-17, 0x3feeba44, 0xcbc8520f,
    -6.336161863401293e-17, 0x3feebd82, 0x9fde4e50, -3.7800879246373815e-17, 0x3feec0f1, 0x70ca07ba,
    1.5341410053603723e-17, 0x3feec491, 0x82a3f090, 1.2932855580427452e-17, 0x3feec863, 0x19e32323,
    -4.123367330661149e-17, 0x3feecc66, 0x7b5de565, 4.703083974463456e-17, 0x3feed09b, 0xec4a2d33,
    -6.152602891550265e-17, 0x3feed503, 0xb23e255d, 5.827849326195279e-17, 0x3feed99e, 0x1330b358,
    3.540948262646183e-17, 0x3feede6b, 0x5579fdbf, -3.2741571320938764e-17, 0x3feee36b, 0xbfd3f37a,
    4.875160526227062e-17, 0x3feee89f, 0x995ad3ad, -5.718569790077838e-17, 0x3feeee07, 0x298db666,
    -4.719539664590972e-18, 0x3feef3a2, 0xb84f15fb, -5.773451958805706e-17, 0x3feef972, 0x8de5593a,
    -1.0772487078934056e-17, 0x3feeff76, 0xf2fb5e47, -6.221808618533911e-17, 0x3fef05b0, 0x30a1064a,
    1.821405440362259e-17, 0x3fef0c1e, 0x904bc1d2, -6.155536546227639e-17, 0x3fef12c2, 0x5bd71e09,
    1.685487290628973e-17, 0x3fef199b, 0xdd85529c, 5.3581249177694816e-17, 0x3fef20ab, 0x5fffd07a,
    3.621615935336894e-17, 0x3fef27f1, 0x2e57d14b, 8.588379527574144e-18, 0x3fef2f6d, 0x9406e7b5,
    1.01562190116415e-17, 0x3fef3720, 0xdcef9069, -2.869134889187244e-17, 0x3fef3f0b, 0x555dc3fa,
    -5.495118966122005e-17, 0x3fef472d, 0x4a07897c, -5.56965572431627e-17, 0x3fef4f87, 0x080d89f2,
    1.790126907604513e-17, 0x3fef5818, 0xdcfba487, -3.2211766346200164e-17, 0x3fef60e3, 0x16c98398,
    5.265370768556274e-17, 0x3fef69e6, 0x03db3285, 3.5089866402403033e-17, 0x3fef7321, 0xf301b460,
    -3.266924100901318e-17, 0x3fef7c97, 0x337b9b5f, -4.3657593008079375e-17, 0x3fef8646, 0x14f5a129,
    1.7963932659833022e-17, 0x3fef902e, 0xe78b3ff6, 3.4300925275214166e-17, 0x3fef9a51, 0xfbc74c83,
    -5.545065618639427e-17, 0x3fefa4af, 0xa2a490da, -5.149009745457733e-17, 0x3fefaf48, 0x2d8e67f1,
    5.336805878514151e-17, 0x3fefba1b, 0xee615a27, 3.498978661192973e-17, 0x3fefc52b, 0x376bba97,
    4.5784915277060095e-17, 0x3fefd076, 0x5b6e4540, -5.241934575393899e-17, 0x3fefdbfd, 0xad9cbe14,
    2.0414278897578303e-17, 0x3fefe7c1, 0x819e90d8, 4.124842848606488e-18, 0x3feff3c2, 0x2b8f71f1,
  ];
  var INV_LN2_N = 184.6649652337873, NEG_LN2_HIGH_N = -0.005415212348111709, NEG_LN2_LOW_N = -1.2864023111638346e-14;
  var EXP_SHIFT = 6755399441055744; // 0x1.8p52
  var C2 = 0.49999999999996786, C3 = 0.16666666666665886, C4 = 0.0416666808410674, C5 = 0.008333335853059549;

  /// glibc's exp core: exp(x + xTail), for exp itself (forPow false) or pow's exp_inline.
  function expCore(x, xTail, forPow) {
    scratchDouble[0] = x;
    var top = (scratchWords[HIGH_WORD] >>> 20) & 0x7ff;
    var special = false;
    if (top < 969 || top >= 1032) { // |x| < 2^-54 or |x| >= 512
      if (top < 969) return forPow ? 1 : 1 + x;
      if (top >= 1033) {
        if (x !== x) return 1 + x;
        return x < 0 ? 0 : Infinity;
      }
      special = true;
    }
    var kd = fusedMultiplyAdd(x, INV_LN2_N, EXP_SHIFT);
    scratchDouble[0] = kd;
    var ki = scratchWords[LOW_WORD];
    kd -= EXP_SHIFT;
    var r = fusedMultiplyAdd(kd, NEG_LN2_LOW_N, fusedMultiplyAdd(kd, NEG_LN2_HIGH_N, x));
    if (forPow) r += xTail;
    var j = ki & 127;
    var tail = EXP_TABLE[3 * j];
    var scaleHigh = (EXP_TABLE[3 * j + 1] + (ki << 13)) >>> 0, scaleLow = EXP_TABLE[3 * j + 2];
    var r2 = r * r;
    var tmp = fusedMultiplyAdd(fusedMultiplyAdd(r, C5, C4), r2 * r2, fusedMultiplyAdd(fusedMultiplyAdd(r, C3, C2), r2, tail + r));
    var scale;
    if (!special) {
      scratchWords[HIGH_WORD] = scaleHigh;
      scratchWords[LOW_WORD] = scaleLow;
      scale = scratchDouble[0];
      return fusedMultiplyAdd(scale, tmp, scale);
    }
    if ((ki & 0x80000000) === 0) {
      // k > 0: the scale's exponent may have overflowed.
      scratchWords[HIGH_WORD] = scaleHigh - (1009 << 20);
      scratchWords[LOW_WORD] = scaleLow;
      scale = scratchDouble[0];
      return fusedMultiplyAdd(scale, tmp, scale) * Math.pow(2, 1009);
    }
    // k < 0: round once before scaling into the subnormal range.
    scratchWords[HIGH_WORD] = scaleHigh + (1022 << 20);
    scratchWords[LOW_WORD] = scaleLow;
    scale = scratchDouble[0];
    var scaledTmp = scale * tmp;
    var y = scale + scaledTmp;
    if (forPow ? Math.abs(y) < 1 : y < 1) {
      var one = forPow && y < 0 ? -1 : 1;
      var lo = (scale - y) + scaledTmp;
      var hi = one + y;
      lo = ((one - hi) + y) + lo;
      y = (hi + lo) - one;
      if (y === 0) y = 0;
    }
    return y * 2.2250738585072014e-308; // 2^-1022
  }

  function glibcExp(x) {
    return expCore(x, 0, false);
  }

  /// glibc's pow for the bases normalization meets (x >= 1; other bases fall back to Math.pow).
  function glibcPow(x, y) {
    if (!(x >= 1 && x < Infinity) || y !== y) return Math.pow(x, y);
    if (y === 0) return 1;
    scratchDouble[0] = y;
    var yTop = (scratchWords[HIGH_WORD] >>> 20) & 0x7ff;
    if (yTop < 958 || yTop >= 1086) { // |y| < 2^-65 or |y| >= 2^63
      if (x === 1) return 1;
      if (yTop < 958) return 1 + y;
      return y > 0 ? Infinity : 0;
    }
    var hi = powLog(x), lo = powLogTail;
    var ehi = y * hi;
    var elo = fusedMultiplyAdd(y, lo, fusedMultiplyAdd(hi, y, -ehi));
    return expCore(ehi, elo, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Numbers as text
  // ---------------------------------------------------------------------------------------------

  function repeatChar(character, count) {
    var s = '';
    for (var i = 0; i < count; i++) s += character;
    return s;
  }

  /// The exact decimal digits of a non-negative integer-valued double (for |x| >= 1e21, where
  /// toFixed switches to exponent notation and printf does not).
  function integerDigits(x) {
    if (typeof BigInt === 'function') return BigInt(x).toString();
    // x = mantissa * 2^exponent with a 53-bit mantissa; multiply out in base-10^7 limbs.
    var exponent = 0;
    while (x >= 9007199254740992) { x /= 2; exponent++; }
    var limbs = [];
    while (x > 0) { limbs.push(x % 10000000); x = Math.floor(x / 10000000); }
    for (var e = 0; e < exponent; e++) {
      var carry = 0;
      for (var i = 0; i < limbs.length; i++) {
        var v = limbs[i] * 2 + carry;
        limbs[i] = v % 10000000;
        carry = v >= 10000000 ? 1 : 0;
      }
      if (carry) limbs.push(carry);
    }
    var text = String(limbs[limbs.length - 1]);
    for (var j = limbs.length - 2; j >= 0; j--) text += ('000000' + limbs[j]).slice(-7);
    return text;
  }

  /// C's printf("%.*f", digits, x): correctly rounded from the exact binary value, exact ties to
  /// even. toFixed is exact too but breaks ties away from zero (0.03125 -> "0.0313", printf
  /// "0.0312"), so ties are mended here. nan and infinities as Swift's formatFixed writes them.
  function formatFixed(x, digits) {
    if (digits === undefined) digits = 4;
    if (!(typeof digits === 'number' && digits >= 0 && digits <= 100 && Math.floor(digits) === digits)) {
      throw new Error('formatFixed: digits must be a whole number in 0...100, got ' + digits);
    }
    if (x !== x) return 'nan';
    if (x === Infinity) return 'inf';
    if (x === -Infinity) return '-inf';
    var negative = x < 0 || (x === 0 && 1 / x < 0);
    var a = Math.abs(x);
    var text;
    if (a < 1e21) {
      text = a.toFixed(digits);
      // An exact tie at `digits` decimals is a value with a * 2^(digits+1) an odd integer.
      var scaled = a * Math.pow(2, digits + 1);
      if (Math.floor(scaled) === scaled && scaled % 2 === 1) {
        var last = text.charCodeAt(text.length - 1) - 48;
        // toFixed went away from zero; printf keeps the even neighbour (one unit lower).
        if (last % 2 === 1) text = text.slice(0, -1) + String(last - 1);
      }
    } else {
      text = integerDigits(a) + (digits > 0 ? '.' + repeatChar('0', digits) : '');
    }
    return (negative ? '-' : '') + text;
  }

  /// Swift's Double.description (shortest digits that read back exactly; exponent form below
  /// 1e-4 and above 2^53): 0.7 -> "0.7", 1 -> "1.0", 1e-05 -> "1e-05", 1e16 -> "1e+16".
  function swiftDoubleDescription(x) {
    if (x !== x) return 'nan';
    if (x === Infinity) return 'inf';
    if (x === -Infinity) return '-inf';
    if (x === 0) return 1 / x < 0 ? '-0.0' : '0.0';
    var sign = x < 0 ? '-' : '';
    var shortest = String(Math.abs(x)); // JavaScript's shortest round-trip digits
    var digits, exponent; // value = d.ddd * 10^exponent
    var e = shortest.indexOf('e');
    var mantissa = e < 0 ? shortest : shortest.slice(0, e);
    var exponentShift = e < 0 ? 0 : parseInt(shortest.slice(e + 1), 10);
    var point = mantissa.indexOf('.');
    var integerPart = point < 0 ? mantissa : mantissa.slice(0, point);
    var all = integerPart + (point < 0 ? '' : mantissa.slice(point + 1));
    var leadingZeros = 0;
    while (leadingZeros < all.length - 1 && all.charAt(leadingZeros) === '0') leadingZeros++;
    digits = all.slice(leadingZeros).replace(/0+$/, '');
    if (digits === '') digits = '0';
    exponent = integerPart.length - 1 - leadingZeros + exponentShift;
    if (exponent < -4 || Math.abs(x) > 9007199254740992) {
      var magnitude = Math.abs(exponent);
      return sign + digits.charAt(0) + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' +
        (exponent < 0 ? '-' : '+') + (magnitude < 10 ? '0' : '') + magnitude;
    }
    if (exponent < 0) return sign + '0.' + repeatChar('0', -exponent - 1) + digits;
    if (exponent + 1 < digits.length) {
      return sign + digits.slice(0, exponent + 1) + '.' + digits.slice(exponent + 1);
    }
    return sign + digits + repeatChar('0', exponent + 1 - digits.length) + '.0';
  }

  /// 2^e for any integer e in the double range, exactly.
  function powerOfTwo(e) {
    var result = 1;
    while (e > 1000) { result *= Math.pow(2, 1000); e -= 1000; }
    while (e < -1000) { result *= Math.pow(2, -1000); e += 1000; }
    return result * Math.pow(2, e);
  }

  /// C's strtod of a hexadecimal float ("0x1.8p-3"), correctly rounded; null on overflow.
  function parseHexFloat(negative, integerDigitsText, fractionDigitsText, exponentText) {
    var bits = '';
    var all = integerDigitsText + fractionDigitsText;
    for (var i = 0; i < all.length; i++) bits += ('000' + parseInt(all.charAt(i), 16).toString(2)).slice(-4);
    var first = bits.indexOf('1');
    if (first < 0) return negative ? -0 : 0;
    var exponent = exponentText === undefined ? 0 : parseInt(exponentText, 10);
    if (exponent > 100000) return null;
    if (exponent < -100000) return negative ? -0 : 0;
    // The first 1 bit is worth 2^leading.
    var leading = 4 * integerDigitsText.length - 1 - first + exponent;
    if (leading > 1023) return null;
    var kept = leading >= -1022 ? 53 : 53 - (-1022 - leading);
    if (kept < 0) return negative ? -0 : 0;
    var mantissa = kept === 0 ? 0 : parseInt((bits.substr(first, kept) + repeatChar('0', kept)).slice(0, kept), 2);
    var roundBit = bits.charAt(first + kept) === '1';
    var sticky = bits.indexOf('1', first + kept + 1) >= 0;
    if (roundBit && (sticky || mantissa % 2 === 1)) mantissa += 1;
    var value = mantissa * powerOfTwo(leading - kept + 1);
    if (!isFinite(value)) return null;
    return negative ? -value : value;
  }

  var DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  var HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

  /// Swift's Double(String): the whole text must be a number as C's strtod reads it (no leading
  /// or trailing space; values too small round to zero, as Swift 6 accepts them). Returns null
  /// where Swift gives nil, and for inf, nan and overflow too (callers only want finite numbers).
  function parseSwiftDouble(text) {
    var nul = text.indexOf('\u0000');
    if (nul >= 0) text = text.slice(0, nul); // Swift hands the text to C as a C string
    if (DECIMAL_FLOAT.test(text)) {
      var value = Number(text);
      return isFinite(value) ? value : null;
    }
    var match = HEX_FLOAT.exec(text);
    if (match && (match[2].length > 0 || (match[3] || '').length > 0)) {
      return parseHexFloat(match[1] === '-', match[2], match[3] || '', match[4]);
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Length normalization (LengthNormalization.swift)
  // ---------------------------------------------------------------------------------------------

  // Foundation's CharacterSet.whitespaces: the tab and Unicode category Zs as CoreFoundation lists
  // it (with U+200B, once a space).
  var SWIFT_WHITESPACE = '[\\t \\u00a0\\u1680\\u2000-\\u200b\\u202f\\u205f\\u3000]';
  // Swift's hasPrefix compares whole characters: a combining mark, joiner or spacing mark right
  // after "pow:" makes ":" part of a longer character, so the text does not start with "pow:".
  var EXTENDS_PREVIOUS = (function () {
    try {
      return new RegExp('^[\\p{Grapheme_Extend}\\p{Emoji_Modifier}\\p{Mc}\\u200d\\u0e33\\u0eb3]', 'u');
    } catch (error) {
      return /^[\u0300-\u036f\u0900-\u0903\u200c\u200d\u20d0-\u20ff\ufe00-\ufe0f]/;
    }
  })();
  // Spacing marks (Mc) that do not join the previous character (UAX #29's SpacingMark exceptions).
  var SPACING_MARK_EXCEPTIONS = /^(?:[\u102b\u102c\u1038\u1062-\u1064\u1067-\u106d\u1083\u1087-\u108c\u108f\u109a-\u109c\u1a61\u1a63\u1a64\uaa7b\uaa7d]|\ud805[\udf20\udf21])/;

  function joinsPrevious(text) {
    return EXTENDS_PREVIOUS.test(text) && !SPACING_MARK_EXCEPTIONS.test(text);
  }
  var TRIM_WHITESPACE = new RegExp('^' + SWIFT_WHITESPACE + '+|' + SWIFT_WHITESPACE + '+$', 'g');

  /// Parses `none`, `avg_logprob`, `sqrt`, `pow:ALPHA` into {kind, alpha}.
  function parseLengthNorm(mode) {
    mode = String(mode);
    switch (mode) {
      case 'none': return { kind: 'none', alpha: null };
      case 'avg_logprob': return { kind: 'avg_logprob', alpha: null };
      case 'sqrt': return { kind: 'sqrt', alpha: null };
    }
    if (mode.slice(0, 4) === 'pow:' && !joinsPrevious(mode.slice(4))) {
      var alpha = parseSwiftDouble(mode.slice(4).replace(TRIM_WHITESPACE, ''));
      if (alpha === null || !isFinite(alpha)) {
        throw new Error("invalid pow mode format: '" + mode +
          "'. Expected 'pow:\u03b1' with a finite number \u03b1 (e.g. 'pow:0.7')");
      }
      return { kind: 'pow', alpha: alpha };
    }
    throw new Error("unknown length normalization '" + mode +
      "'. Expected one of: 'none', 'avg_logprob', 'sqrt', 'pow:\u03b1' (e.g. 'pow:0.7')");
  }

  /// The reference's spelling of a parsed mode: `pow:0.7`, `pow:1.0`.
  function lengthNormName(norm) {
    if (norm.kind === 'pow') return 'pow:' + swiftDoubleDescription(norm.alpha);
    return norm.kind;
  }

  /// A path's normalized score from its summed log attention over `edges` edges.
  function normalizeScore(norm, raw, edges) {
    if (edges === 0) return raw;
    switch (norm.kind) {
      case 'none': return raw;
      case 'avg_logprob': return raw / edges;
      case 'sqrt': return raw / Math.sqrt(edges);
      default: return raw / glibcPow(edges, norm.alpha);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The page's data: every row's candidates
  // ---------------------------------------------------------------------------------------------

  function isWholeNumber(x) {
    return typeof x === 'number' && isFinite(x) && Math.floor(x) === x;
  }

  function base64Bytes(text, field) {
    if (typeof atob === 'function') {
      var binary;
      try {
        binary = atob(text);
      } catch (error) {
        throw new Error('explore data: ' + field + ' is not valid base64');
      }
      var bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return bytes;
    }
    if (typeof Buffer !== 'undefined') {
      var buffer = Buffer.from(text, 'base64');
      return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
    }
    throw new Error('explore data: no base64 decoder (atob) in this environment');
  }

  /// Little-endian 32-bit values from bytes (a typed array over an aligned copy where the
  /// machine is little-endian, as every browser's is).
  function littleEndian32(bytes, ArrayType, field) {
    if (bytes.length % 4 !== 0) {
      throw new Error('explore data: ' + field + ' has ' + bytes.length + ' bytes, not a multiple of 4');
    }
    var count = bytes.length / 4;
    if (LITTLE_ENDIAN) {
      var aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
      return new ArrayType(aligned.buffer, aligned.byteOffset, count);
    }
    var out = new ArrayType(count);
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    var isFloat = ArrayType === Float32Array;
    for (var i = 0; i < count; i++) out[i] = isFloat ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
    return out;
  }

  /// A field as the typed array it encodes: base64 text, or already that typed array.
  function typedField(value, ArrayType, field) {
    if (typeof value === 'string') {
      var bytes = base64Bytes(value, field);
      return ArrayType === Uint8Array ? bytes : littleEndian32(bytes, ArrayType, field);
    }
    if (value && typeof value.length === 'number' && value.BYTES_PER_ELEMENT === ArrayType.BYTES_PER_ELEMENT &&
        Object.prototype.toString.call(value) === Object.prototype.toString.call(new ArrayType(0))) {
      return value;
    }
    throw new Error('explore data: ' + field + ' must be base64 text');
  }

  /// Little-endian float64 values from base64 text (the rows' sink sums).
  function float64Field(value, field) {
    var bytes = base64Bytes(value, field);
    if (bytes.length % 8 !== 0) throw new Error('explore data: ' + field + ' is not a whole number of float64 values');
    var out = new Float64Array(bytes.length / 8), view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (var i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }

  /// Checks every row against the contract: row p lists at most min(cap, p) distinct positions
  /// q < p with float32 weights > 0, by weight descending, ties lower position first.
  function checkRows(ex) {
    var n = ex.seqLen, cap = ex.cap, rows = ex.counts.length;
    var seen = new Int32Array(n);
    for (var r = 0; r < rows; r++) {
      var p = r % n;
      var count = ex.counts[r];
      var slotIndex = (r - p) / n;
      var where = 'row ' + p + ' of layer ' + ex.layers[Math.floor(slotIndex / ex.aggregations.length)] +
        ' (' + ex.aggregations[slotIndex % ex.aggregations.length] + ')';
      if (count > cap || count > p) {
        throw new Error('explore data: ' + where + ' has ' + count + ' candidates, more than ' + Math.min(cap, p));
      }
      for (var c = 0; c < count; c++) {
        var q = ex.positions[r * cap + c], w = ex.weights[r * cap + c];
        if (!(q >= 0 && q < p)) throw new Error('explore data: ' + where + ' lists position ' + q + ', not before ' + p);
        if (!(w > 0 && w < Infinity)) throw new Error('explore data: ' + where + ' has weight ' + w + ' at position ' + q);
        if (seen[q] === r + 1) throw new Error('explore data: ' + where + ' lists position ' + q + ' twice');
        seen[q] = r + 1;
        if (c > 0) {
          var previous = ex.weights[r * cap + c - 1];
          if (previous < w || (previous === w && ex.positions[r * cap + c - 1] > q)) {
            throw new Error('explore data: ' + where + ' is not sorted by weight descending (ties lower position first)');
          }
        }
      }
    }
  }

  function checkBOSPositions(list, n) {
    if (!Array.isArray(list)) throw new Error('explore data: bos_positions must be an array');
    for (var i = 0; i < list.length; i++) {
      if (!isWholeNumber(list[i]) || list[i] < 0 || list[i] >= n) {
        throw new Error('explore data: BOS position ' + list[i] + ' out of range for sequence length ' + n);
      }
    }
    return list.slice();
  }

  /// The page's `explore` object, decoded and checked.
  function decode(explore) {
    if (!explore || typeof explore !== 'object') throw new Error('explore data: expected an object');
    var cap = explore.cap, n = explore.seq_len, layers = explore.layers, aggregations = explore.aggregations;
    if (!isWholeNumber(cap) || cap < 1 || cap > 255) throw new Error('explore data: cap must be 1...255, got ' + cap);
    if (!isWholeNumber(n) || n < 0) throw new Error('explore data: seq_len must be a whole number >= 0, got ' + n);
    if (!Array.isArray(layers) || !layers.every(isWholeNumber)) {
      throw new Error('explore data: layers must be an array of layer numbers');
    }
    if (!Array.isArray(aggregations) || aggregations.length === 0 ||
        !aggregations.every(function (a) { return typeof a === 'string'; })) {
      throw new Error('explore data: aggregations must be a non-empty array of names');
    }
    var rows = layers.length * aggregations.length * n;
    var ex = {
      cap: cap,
      seqLen: n,
      layers: layers.slice(),
      aggregations: aggregations.slice(),
      counts: typedField(explore.counts, Uint8Array, 'counts'),
      positions: typedField(explore.positions, Int32Array, 'positions'),
      weights: typedField(explore.weights, Float32Array, 'weights'),
      bosPositions: checkBOSPositions(explore.bos_positions === undefined ? [] : explore.bos_positions, n)
    };
    if (ex.counts.length !== rows) {
      throw new Error('explore data: counts has ' + ex.counts.length + ' rows, expected ' + rows +
        ' (' + layers.length + ' layers x ' + aggregations.length + ' aggregations x ' + n + ' positions)');
    }
    if (ex.positions.length !== rows * cap) {
      throw new Error('explore data: positions has ' + ex.positions.length + ' entries, expected ' + rows * cap);
    }
    if (ex.weights.length !== rows * cap) {
      throw new Error('explore data: weights has ' + ex.weights.length + ' entries, expected ' + rows * cap);
    }
    checkRows(ex);
    // Sinks (optional): their positions, and per row the sum `renorm` divides by and the sink
    // mass; `cap` then holds one more entry per sink, and `top_k_max` what stays explorable.
    ex.sinkPositions = Array.isArray(explore.sink_positions) ? explore.sink_positions.slice() : [];
    ex.topKMax = isWholeNumber(explore.top_k_max) ? explore.top_k_max : cap;
    if (ex.sinkPositions.length > 0) {
      ex.sinkRests = float64Field(explore.sink_rests, 'sink_rests');
      ex.sinkMasses = float64Field(explore.sink_masses, 'sink_masses');
      if (ex.sinkRests.length !== rows || ex.sinkMasses.length !== rows) {
        throw new Error('explore data: sink_rests and sink_masses need ' + rows + ' rows');
      }
    }
    return ex;
  }

  /// One aggregated matrix as decoded explore data (layers [0], aggregations ["given"]): row p's
  /// candidates as AttentionCandidates.select picks them. `values` is row-major n*n float32,
  /// `mask[q]` false marks padding (never a predecessor).
  function fromMatrix(n, values, cap, mask) {
    if (!isWholeNumber(n) || n < 0) throw new Error('fromMatrix: n must be a whole number >= 0, got ' + n);
    if (!isWholeNumber(cap) || cap < 1 || cap > 255) throw new Error('fromMatrix: cap must be 1...255, got ' + cap);
    if (!values || values.length !== n * n) {
      throw new Error('attention matrix of size ' + n + ' needs ' + n * n + ' values, got ' + (values ? values.length : 0));
    }
    if (mask && mask.length !== n) {
      throw new Error('attention mask has ' + mask.length + ' entries, but the sequence has ' + n + ' tokens');
    }
    var matrix = values instanceof Float32Array ? values : new Float32Array(values);
    var counts = new Uint8Array(n);
    var positions = new Int32Array(n * cap);
    var weights = new Float32Array(n * cap);
    for (var i = 0; i < positions.length; i++) positions[i] = -1;
    for (var p = 0; p < n; p++) {
      var base = p * cap, count = 0;
      for (var q = 0; q < p; q++) {
        var v = matrix[p * n + q];
        // Most keys lose to the current last entry: one comparison each.
        if (!(v > 0) || (count === cap && !(v > weights[base + cap - 1]))) continue;
        if (mask && !mask[q]) continue;
        // An equal value never displaces an earlier (lower) position.
        var at = count < cap ? count : cap - 1;
        if (count < cap) count++;
        while (at > 0 && weights[base + at - 1] < v) {
          weights[base + at] = weights[base + at - 1];
          positions[base + at] = positions[base + at - 1];
          at--;
        }
        weights[base + at] = v;
        positions[base + at] = q;
      }
      counts[p] = count;
    }
    return {
      cap: cap, seqLen: n, layers: [0], aggregations: ['given'],
      counts: counts, positions: positions, weights: weights, bosPositions: []
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The candidate graph (PredecessorGraph.swift)
  // ---------------------------------------------------------------------------------------------

  // log(weight) per row slot of each explore data, computed once per candidate (glibcLog is
  // slower than Math.log).
  var logCaches = typeof WeakMap === 'function' ? new WeakMap() : null;

  function logCache(ex, slot) {
    var perData = logCaches ? logCaches.get(ex) : null;
    if (!perData) {
      perData = {};
      if (logCaches) logCaches.set(ex, perData);
    }
    var cache = perData[slot];
    if (!cache || cache.length !== ex.seqLen * ex.cap) {
      cache = new Float64Array(ex.seqLen * ex.cap);
      for (var i = 0; i < cache.length; i++) cache[i] = NaN;
      perData[slot] = cache;
    }
    return cache;
  }

  /// Positions 0...target's predecessors: the row's candidates at or above the float32 threshold,
  /// first topK of them. Edges of position p are start[p] ..< start[p + 1].
  /// The graph after `--sink drop|renorm` (AttentionMatrix.applyingSinks, then the threshold and
  /// top_k): the row's candidates without the sinks, for renorm each divided by the row's other
  /// entries' sum and rounded to float32, then re-ranked (rounding can tie two entries, and ties
  /// go to the lower position).
  function buildSinkGraph(ex, layerIndex, aggIndex, target, topK, minAttn, sink) {
    var n = ex.seqLen, cap = ex.cap, firstRow = (layerIndex * ex.aggregations.length + aggIndex) * n;
    var threshold = Math.fround(minAttn), isSink = {};
    ex.sinkPositions.forEach(function (q) { isSink[q] = true; });
    var start = new Int32Array(target + 2);
    var positions = new Int32Array((target + 1) * topK);
    var attention = new Float64Array((target + 1) * topK);
    var logAttention = new Float64Array((target + 1) * topK);
    var edges = 0;
    for (var p = 0; p <= target; p++) {
      start[p] = edges;
      var row = firstRow + p, rest = ex.sinkRests[row], kept = [];
      for (var c = 0; c < ex.counts[row]; c++) {
        var q = ex.positions[row * cap + c];
        if (isSink[q]) continue;
        var w = ex.weights[row * cap + c];
        kept.push({ q: q, w: sink === 'renorm' && rest > 0 ? Math.fround(w / rest) : w });
      }
      if (sink === 'renorm') kept.sort(function (a, b) { return a.w !== b.w ? b.w - a.w : a.q - b.q; });
      for (var i = 0; i < kept.length && edges - start[p] < topK; i++) {
        if (!(kept[i].w >= threshold && kept[i].w > 0)) break;  // ranked: the rest are below too
        positions[edges] = kept[i].q;
        attention[edges] = kept[i].w;
        logAttention[edges] = safeLog(kept[i].w);
        edges++;
      }
    }
    start[target + 1] = edges;
    return { start: start, positions: positions, attention: attention, logAttention: logAttention };
  }

  function buildGraph(ex, layerIndex, aggIndex, target, topK, minAttn) {
    var n = ex.seqLen, cap = ex.cap;
    var slot = layerIndex * ex.aggregations.length + aggIndex;
    var firstRow = slot * n;
    // torch compares the float32 row with the Python float threshold in float32.
    var threshold = Math.fround(minAttn);
    var logs = logCache(ex, slot);
    var start = new Int32Array(target + 2);
    var positions = new Int32Array((target + 1) * topK);
    var attention = new Float64Array((target + 1) * topK);
    var logAttention = new Float64Array((target + 1) * topK);
    var edges = 0;
    for (var p = 0; p <= target; p++) {
      start[p] = edges;
      var row = firstRow + p;
      var count = Math.min(ex.counts[row], topK);
      for (var c = 0; c < count; c++) {
        var at = row * cap + c;
        var weight = ex.weights[at];
        if (weight < threshold) break; // sorted descending: the rest are below too
        var cached = logs[p * cap + c];
        if (cached !== cached) {
          cached = safeLog(weight);
          logs[p * cap + c] = cached;
        }
        positions[edges] = ex.positions[at];
        attention[edges] = weight;
        logAttention[edges] = cached;
        edges++;
      }
    }
    start[target + 1] = edges;
    return { start: start, positions: positions, attention: attention, logAttention: logAttention };
  }

  function swiftMax(x, y) {
    return y >= x ? y : x;
  }

  /// Stable sort by normalized score, best first (Python's sort(reverse=True) keeps the original
  /// order among equal scores; so does this, whatever the engine's sort).
  function sortedByScoreStable(list) {
    var order = new Array(list.length);
    for (var i = 0; i < list.length; i++) order[i] = i;
    order.sort(function (a, b) {
      var x = list[a].norm, y = list[b].norm;
      if (x !== y) return x > y ? -1 : 1;
      return a - b;
    });
    var sorted = new Array(list.length);
    for (var j = 0; j < order.length; j++) sorted[j] = list[order[j]];
    return sorted;
  }

  // ---------------------------------------------------------------------------------------------
  // Beam search (BeamSearch.swift), step for step
  // ---------------------------------------------------------------------------------------------

  /// A beam is a linked list back to the target (no path copying per step).
  function Beam(parent, position, attention, raw, norm, edges) {
    this.parent = parent;
    this.position = position;
    this.attention = attention;
    this.raw = raw;
    this.norm = norm;
    this.edges = edges;
  }

  function beamToPath(beam) {
    var positions = [], attentions = [];
    for (var b = beam; b !== null; b = b.parent) {
      positions.push(b.position);
      if (b.parent !== null) attentions.push(b.attention);
    }
    positions.reverse();
    attentions.reverse();
    return { positions: positions, edge_attns: attentions, score_raw: beam.raw, score_norm: beam.norm };
  }

  function beamSearch(graph, target, norm, topBeam, isBOS) {
    var active = [new Beam(null, target, 0, 0, 0, 0)];
    var terminal = [];
    for (var iteration = 0; iteration <= target && active.length > 0; iteration++) {
      var extended = [], extendedTerminal = [];
      for (var b = 0; b < active.length; b++) {
        var beam = active[b];
        var current = beam.position;
        var from = graph.start[current], to = current === 0 ? from : graph.start[current + 1];
        if (from === to) {
          // At position 0, or nothing to follow: the beam ends as it is.
          terminal.push(beam);
          continue;
        }
        for (var e = from; e < to; e++) {
          var q = graph.positions[e];
          var raw = beam.raw + graph.logAttention[e];
          var next = new Beam(beam, q, graph.attention[e], raw, normalizeScore(norm, raw, beam.edges + 1), beam.edges + 1);
          if (q === 0 || isBOS[q]) extendedTerminal.push(next); else extended.push(next);
        }
      }
      for (var t = 0; t < extendedTerminal.length; t++) terminal.push(extendedTerminal[t]);
      active = extended.length <= topBeam ? extended : sortedByScoreStable(extended).slice(0, topBeam);
    }
    return sortedByScoreStable(terminal).slice(0, topBeam).map(beamToPath);
  }

  // ---------------------------------------------------------------------------------------------
  // Exact search (ExactSearch.swift): dynamic programming over the DAG, layer m = paths of m edges,
  // the K best raw sums per node; checkpoints every `stride` layers, back-pointers recomputed one
  // segment at a time. Same visiting order and tie rules as the Swift, so the same paths come out
  // in the same order.
  // ---------------------------------------------------------------------------------------------

  function Layer(nodes, k) {
    this.scores = new Float64Array(nodes * k);
    this.counts = new Int32Array(nodes);
    /// Nodes with at least one entry, in the order they were first reached.
    this.reached = new Int32Array(nodes);
    this.reachedCount = 0;
  }

  Layer.prototype.clear = function () {
    for (var i = 0; i < this.reachedCount; i++) this.counts[this.reached[i]] = 0;
    this.reachedCount = 0;
  };

  /// A checkpoint keeps only the live entries.
  function snapshotLayer(layer, k) {
    var reached = layer.reached.slice(0, layer.reachedCount);
    var counts = new Int32Array(reached.length);
    var scores = new Float64Array(reached.length * k);
    for (var i = 0; i < reached.length; i++) {
      var u = reached[i];
      counts[i] = layer.counts[u];
      for (var r = 0; r < counts[i]; r++) scores[i * k + r] = layer.scores[u * k + r];
    }
    return { reached: reached, counts: counts, scores: scores };
  }

  function restoreLayer(snapshot, layer, k) {
    layer.clear();
    for (var i = 0; i < snapshot.reached.length; i++) {
      var u = snapshot.reached[i];
      layer.reached[i] = u;
      layer.counts[u] = snapshot.counts[i];
      for (var r = 0; r < snapshot.counts[i]; r++) layer.scores[u * k + r] = snapshot.scores[i * k + r];
    }
    layer.reachedCount = snapshot.reached.length;
  }

  function ExactSearch(graph, target, norm, topBeam, isBOS) {
    this.graph = graph;
    this.target = target;
    this.k = topBeam;
    this.nodes = target + 1;
    this.norm = norm;
    // A path reaching a terminal node ends there (position 0, a BOS position, or no
    // predecessors). The target itself is never ended by being a BOS position (the reference
    // checks BOS only when a beam steps onto it).
    this.isTerminal = new Uint8Array(target + 1);
    for (var p = 0; p <= target; p++) {
      this.isTerminal[p] = p === 0 || graph.start[p] === graph.start[p + 1] || (p !== target && isBOS[p]) ? 1 : 0;
    }
    this.stride = Math.max(1, Math.ceil(Math.sqrt(target + 1)));
    this.checkpoints = [];
  }

  /// Extends every non-terminal entry of `previous` by one edge into `next` (cleared first).
  /// With `back`, records at back[backBase + node * k + rank] the index `node * k + rank` each
  /// new entry came from.
  ExactSearch.prototype.step = function (previous, next, back, backBase) {
    next.clear();
    var k = this.k, graph = this.graph, isTerminal = this.isTerminal;
    var start = graph.start, edgePositions = graph.positions, edgeLogs = graph.logAttention;
    var previousScores = previous.scores, previousCounts = previous.counts;
    var scores = next.scores, counts = next.counts, reached = next.reached;
    var reachedCount = 0;
    for (var j = 0; j < previous.reachedCount; j++) {
      var v = previous.reached[j];
      if (isTerminal[v]) continue;
      var count = previousCounts[v];
      var base = v * k;
      for (var e = start[v], end = start[v + 1]; e < end; e++) {
        var u = edgePositions[e], ub = u * k, logAttention = edgeLogs[e];
        for (var r = 0; r < count; r++) {
          var s = previousScores[base + r] + logAttention;
          // Insert into u's best-K list, keeping earlier entries on ties.
          var i = counts[u];
          if (i === k) {
            if (s <= scores[ub + k - 1]) break; // later ranks are no better
            i = k - 1;
          } else {
            if (i === 0) reached[reachedCount++] = u;
            counts[u] = i + 1;
          }
          while (i > 0 && scores[ub + i - 1] < s) {
            scores[ub + i] = scores[ub + i - 1];
            if (back) back[backBase + ub + i] = back[backBase + ub + i - 1];
            i--;
          }
          scores[ub + i] = s;
          if (back) back[backBase + ub + i] = base + r;
        }
      }
    }
    next.reachedCount = reachedCount;
  };

  /// Keeps the K best complete paths by normalized score; an equal score never displaces an
  /// earlier one.
  ExactSearch.prototype.offer = function (winners, normalized, raw, length, node, rank) {
    var k = this.k;
    if (winners.length === k) {
      if (normalized <= winners[k - 1].normalized) return;
      winners.pop();
    }
    var i = winners.length;
    while (i > 0 && winners[i - 1].normalized < normalized) i--;
    winners.splice(i, 0, { normalized: normalized, raw: raw, length: length, node: node, rank: rank });
  };

  /// Forward pass: every layer once, keeping checkpoints and the K best complete paths.
  ExactSearch.prototype.findBest = function () {
    var k = this.k, winners = [];
    var current = new Layer(this.nodes, k), next = new Layer(this.nodes, k);
    current.scores[this.target * k] = 0;
    current.counts[this.target] = 1;
    current.reached[0] = this.target;
    current.reachedCount = 1;
    var length = 0;
    for (;;) {
      if (length % this.stride === 0) this.checkpoints[length] = snapshotLayer(current, k);
      var anyActive = false;
      for (var j = 0; j < current.reachedCount; j++) {
        var u = current.reached[j];
        if (!this.isTerminal[u]) {
          anyActive = true;
          continue;
        }
        for (var r = 0; r < current.counts[u]; r++) {
          var raw = current.scores[u * k + r];
          this.offer(winners, normalizeScore(this.norm, raw, length), raw, length, u, r);
        }
      }
      if (!anyActive) break;
      this.step(current, next, null, 0);
      var swap = current;
      current = next;
      next = swap;
      length++;
    }
    return winners;
  };

  /// Recovers each winner's positions, walking back-pointers segment by segment from the deepest
  /// layer down, recomputing each segment once from its checkpoint.
  ExactSearch.prototype.reconstruct = function (winners) {
    var k = this.k, nodes = this.nodes, stride = this.stride, graph = this.graph;
    var walks = winners.map(function (w) { return [w.node]; });
    var cursors = winners.map(function (w) { return { layer: w.length, node: w.node, rank: w.rank }; });
    var deepest = 0;
    winners.forEach(function (w) { deepest = Math.max(deepest, w.length); });
    var back = new Uint32Array(0);
    var layer = new Layer(nodes, k), next = new Layer(nodes, k);
    var segmentStart = deepest === 0 ? 0 : Math.floor((deepest - 1) / stride) * stride;
    var anyLeft = function () { return cursors.some(function (c) { return c.layer > 0; }); };
    while (segmentStart >= 0 && anyLeft()) {
      var inSegment = [];
      for (var w = 0; w < cursors.length; w++) {
        if (cursors[w].layer > segmentStart && cursors[w].layer <= segmentStart + stride) inSegment.push(w);
      }
      if (inSegment.length > 0) {
        var top = 0;
        inSegment.forEach(function (i) { top = Math.max(top, cursors[i].layer); });
        var span = top - segmentStart;
        if (back.length < span * nodes * k) back = new Uint32Array(span * nodes * k);
        restoreLayer(this.checkpoints[segmentStart], layer, k);
        for (var j = 0; j < span; j++) {
          this.step(layer, next, back, j * nodes * k);
          var swap = layer;
          layer = next;
          next = swap;
        }
        for (var s = 0; s < inSegment.length; s++) {
          var c = cursors[inSegment[s]];
          var m = c.layer, u = c.node, r = c.rank;
          while (m > segmentStart) {
            var from = back[(m - segmentStart - 1) * nodes * k + u * k + r];
            u = Math.floor(from / k);
            r = from % k;
            m--;
            walks[inSegment[s]].push(u);
          }
          cursors[inSegment[s]] = { layer: m, node: u, rank: r };
        }
      }
      segmentStart -= stride;
    }
    var target = this.target;
    return winners.map(function (winner, w) {
      var positions = walks[w].slice().reverse();
      var edges = [], raw = 0;
      for (var i = 0; i + 1 < positions.length; i++) {
        for (var e = graph.start[positions[i]]; e < graph.start[positions[i] + 1]; e++) {
          if (graph.positions[e] === positions[i + 1]) break;
        }
        edges.push(graph.attention[e]);
        raw += graph.logAttention[e];
      }
      if (positions[0] !== target || raw !== winner.raw) {
        throw new Error('exact search: path reconstruction is inconsistent');
      }
      return { positions: positions, edge_attns: edges, score_raw: raw, score_norm: winner.normalized };
    });
  };

  function exactSearch(graph, target, norm, topBeam, isBOS) {
    var search = new ExactSearch(graph, target, norm, topBeam, isBOS);
    return search.reconstruct(search.findBest());
  }

  /// How beam search did against the exact optimum (SearchComparison, JSON names).
  function compareSearches(beam, exact) {
    var beamBest = beam.length > 0 ? beam[0].score_norm : -Infinity;
    var exactBest = exact.length > 0 ? exact[0].score_norm : -Infinity;
    var exactPaths = {};
    exact.forEach(function (path) { exactPaths[path.positions.join(',')] = true; });
    var shared = beam.filter(function (path) { return exactPaths[path.positions.join(',')] === true; }).length;
    return {
      beam_best_score: beamBest,
      exact_best_score: exactBest,
      beam_found_optimum: beamBest >= exactBest,
      score_gap: swiftMax(0, exactBest - beamBest),
      beam_paths_in_exact_top: shared,
      exact_path_count: exact.length
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Search (PathSearch.swift, with the options checked as PathSearchOptions and the tracer do)
  // ---------------------------------------------------------------------------------------------

  function requireWholeNumber(name, value) {
    if (!isWholeNumber(value)) throw new Error(name + ' must be a whole number, got ' + value);
  }

  /// Runs the search the CLI runs on one explored layer and aggregation.
  /// sel: {layerIndex, aggIndex, target (negative counts from the end), topBeam, topK, minAttn,
  /// lengthNorm, stopAtBOS, mode: 'beam' | 'exact'}; missing fields take the CLI's defaults.
  function search(ex, sel) {
    sel = sel || {};
    var topBeam = sel.topBeam === undefined ? 5 : sel.topBeam;
    var topK = sel.topK === undefined ? 5 : sel.topK;
    var minAttn = sel.minAttn === undefined ? 0 : sel.minAttn;
    var targetPosition = sel.target === undefined ? -1 : sel.target;
    var stopAtBOS = sel.stopAtBOS === undefined ? true : !!sel.stopAtBOS;
    var mode = sel.mode === undefined ? 'beam' : sel.mode;
    var layerIndex = sel.layerIndex === undefined ? 0 : sel.layerIndex;
    var aggIndex = sel.aggIndex === undefined ? 0 : sel.aggIndex;

    requireWholeNumber('top_beam', topBeam);
    if (topBeam < 1) throw new Error('top_beam must be >= 1, got ' + topBeam);
    requireWholeNumber('top_k', topK);
    if (topK < 1) throw new Error('top_k must be >= 1, got ' + topK);
    var norm = parseLengthNorm(sel.lengthNorm === undefined ? 'avg_logprob' : sel.lengthNorm);
    var n = ex.seqLen;
    if (n < 1) throw new Error('the text has no tokens: nothing to trace');
    requireWholeNumber('target position', targetPosition);
    var target = targetPosition < 0 ? n + targetPosition : targetPosition;
    if (!(target >= 0 && target < n)) {
      throw new Error('target position ' + targetPosition + ' out of range for sequence length ' + n);
    }
    if (typeof minAttn !== 'number' || !isFinite(minAttn)) {
      throw new Error('min_attn must be a finite number, got ' + swiftDoubleDescription(Number(minAttn)));
    }
    if (mode !== 'beam' && mode !== 'exact') throw new Error("search mode must be 'beam' or 'exact', got '" + mode + "'");
    if (!isWholeNumber(layerIndex) || layerIndex < 0 || layerIndex >= ex.layers.length) {
      throw new Error('layer index ' + layerIndex + ' out of range: the page holds ' + ex.layers.length + ' layers');
    }
    if (!isWholeNumber(aggIndex) || aggIndex < 0 || aggIndex >= ex.aggregations.length) {
      throw new Error('aggregation index ' + aggIndex + ' out of range: the page holds ' + ex.aggregations.length);
    }
    var topKMax = ex.topKMax === undefined ? ex.cap : ex.topKMax;
    if (topK > topKMax) {
      throw new Error('top_k ' + topK + ' is more than the page holds (cap ' + topKMax + '): rerun rat with --explore-cap ' +
        topK + ' or more');
    }
    var sink = sel.sink === undefined ? 'keep' : sel.sink;
    if (sink !== 'keep' && sink !== 'drop' && sink !== 'renorm') throw new Error("sink must be keep, drop or renorm, got '" + sink + "'");
    if (sink !== 'keep' && !(ex.sinkPositions && ex.sinkPositions.length)) throw new Error('this page holds no sink data');

    // As the tracer: BOS positions up to the target, and none without stop_at_bos.
    var isBOS = new Uint8Array(target + 1);
    var bosCount = 0;
    if (stopAtBOS) {
      ex.bosPositions.forEach(function (p) {
        if (p <= target) {
          isBOS[p] = 1;
          bosCount++;
        }
      });
    }
    var warnings = [];
    if (stopAtBOS && bosCount === 0) {
      warnings.push('stop_at_bos is on but the sequence has no BOS token: paths run until position 0');
    }
    var graph = sink === 'keep' ? buildGraph(ex, layerIndex, aggIndex, target, topK, minAttn)
      : buildSinkGraph(ex, layerIndex, aggIndex, target, topK, minAttn, sink);
    var sinkMass = ex.sinkMasses ? ex.sinkMasses[(layerIndex * ex.aggregations.length + aggIndex) * n + target] : null;
    var beam = beamSearch(graph, target, norm, topBeam, isBOS);
    if (mode === 'beam') return { target: target, paths: beam, comparison: null, warnings: warnings, sinkMass: sinkMass };
    var exact = exactSearch(graph, target, norm, topBeam, isBOS);
    return { target: target, paths: exact, comparison: compareSearches(beam, exact), warnings: warnings, sinkMass: sinkMass };
  }

  // ---------------------------------------------------------------------------------------------
  // Sankey data (SankeyData.swift)
  // ---------------------------------------------------------------------------------------------

  /// Softmax of the scores (max subtracted; uniform if the sum underflows below 1e-10).
  function beamWeights(scores) {
    if (scores.length === 0) return [];
    var top = scores[0];
    for (var i = 1; i < scores.length; i++) top = swiftMax(top, scores[i]);
    var e = scores.map(function (s) { return glibcExp(s - top); });
    var total = 0;
    for (var j = 0; j < e.length; j++) total += e[j];
    if (total < 1e-10) return scores.map(function () { return 1 / scores.length; });
    return e.map(function (x) { return x / total; });
  }

  /// The reference's beams_to_sankey: nodes sorted by position with id L{layer}_P{pos}; each path
  /// weighs softmax(score_norm); a link from the earlier to the later position of each edge sums
  /// weight * attention over the paths using it; links in first-appearance order.
  function sankey(paths, tokens, layer) {
    if (!paths || paths.length === 0) return { nodes: [], links: [] };
    var nodeID = function (p) { return 'L' + layer + '_P' + p; };
    var seen = {}, positions = [];
    paths.forEach(function (path) {
      path.positions.forEach(function (p) {
        if (!seen[p]) {
          seen[p] = true;
          positions.push(p);
        }
      });
    });
    positions.sort(function (a, b) { return a - b; });
    var nodes = positions.map(function (p) {
      return { id: nodeID(p), name: p < tokens.length ? tokens[p] : '[' + p + ']', position: p, layer: layer };
    });
    var weights = beamWeights(paths.map(function (path) { return path.score_norm; }));
    var links = [], linkIndex = {};
    paths.forEach(function (path, b) {
      path.edge_attns.forEach(function (attention, i) {
        var source = nodeID(path.positions[i + 1]), target = nodeID(path.positions[i]);
        var key = source + '>' + target;
        if (!Object.prototype.hasOwnProperty.call(linkIndex, key)) {
          linkIndex[key] = links.length;
          links.push({ source: source, target: target, value: 0, beam_indices: [] });
        }
        var link = links[linkIndex[key]];
        link.value += weights[b] * attention;
        if (link.beam_indices.indexOf(b) < 0) link.beam_indices.push(b);
      });
    });
    links.forEach(function (link) { link.beam_indices.sort(function (a, b) { return a - b; }); });
    return { nodes: nodes, links: links };
  }

  // ---------------------------------------------------------------------------------------------
  // Sankey layout (SankeyLayout.swift)
  // ---------------------------------------------------------------------------------------------

  var NODE_WIDTH = 20, NODE_PADDING = 20, COLUMN_STEP = 170;
  var MARGIN = { left: 16, right: 150, top: 16, bottom: 16 };
  /// The reference gives every link at least this value so that it stays visible.
  var MINIMUM_LINK_VALUE = 0.01;

  /// A stable sort of indices by a key (Swift's sort, treated as stable).
  function sortedIndices(indices, key) {
    return indices
      .map(function (u, i) { return { u: u, i: i, k: key(u) }; })
      .sort(function (a, b) { return a.k < b.k ? -1 : (b.k < a.k ? 1 : a.i - b.i); })
      .map(function (x) { return x.u; });
  }

  /// Where each node and link goes: like d3-sankey with left alignment. Columns are the longest
  /// chain from a source; node height is proportional to the larger of in- and outflow; columns are
  /// packed with 20 px padding, relaxed six times towards linked nodes; ribbons stack in each node.
  function layout(data) {
    var nodes = data.nodes, n = nodes.length;
    var index = {};
    nodes.forEach(function (node, i) {
      if (!Object.prototype.hasOwnProperty.call(index, node.id)) index[node.id] = i;
    });
    var has = function (id) { return Object.prototype.hasOwnProperty.call(index, id); };
    var edges = [];
    data.links.forEach(function (link) {
      if (has(link.source) && has(link.target)) {
        edges.push({ s: index[link.source], t: index[link.target], value: swiftMax(link.value, MINIMUM_LINK_VALUE) });
      }
    });

    // Columns: longest chain from a source. Links run from earlier to later positions (or, through
    // the layers, up a layer at the same position), so visiting nodes by position, then layer,
    // visits every link's source before its target.
    var column = [], outgoing = [], incoming = [], all = [];
    for (var u = 0; u < n; u++) {
      column.push(0);
      outgoing.push([]);
      incoming.push([]);
      all.push(u);
    }
    var byPosition = sortedIndices(all, function (i) { return nodes[i].position * 65536 + (nodes[i].layer || 0); });
    edges.forEach(function (edge, e) {
      outgoing[edge.s].push(e);
      incoming[edge.t].push(e);
    });
    byPosition.forEach(function (u) {
      outgoing[u].forEach(function (e) {
        var t = edges[e].t;
        if (t !== u) column[t] = swiftMax(column[t], column[u] + 1);
      });
    });
    var columnCount = (n > 0 ? column.reduce(function (a, b) { return swiftMax(a, b); }) : 0) + 1;
    var members = [];
    for (var c = 0; c < columnCount; c++) members.push([]);
    byPosition.forEach(function (u) { members[column[u]].push(u); });

    var flow = function (list) {
      var total = 0;
      for (var i = 0; i < list.length; i++) total += edges[list[i]].value;
      return total;
    };
    var value = all.map(function (u) {
      return swiftMax(swiftMax(flow(incoming[u]), flow(outgoing[u])), MINIMUM_LINK_VALUE);
    });
    var tallest = members.length > 0 ? members.map(function (m) { return m.length; }).reduce(function (a, b) { return swiftMax(a, b); }) : 1;
    var width = MARGIN.left + MARGIN.right + NODE_WIDTH + swiftMax(columnCount - 1, 0) * COLUMN_STEP;
    var height = swiftMax(420, tallest * 64 + MARGIN.top + MARGIN.bottom);
    var top = MARGIN.top, bottom = height - MARGIN.bottom;
    // Pixels per unit of flow: the fullest column fills the height.
    var ky = Infinity;
    members.forEach(function (col) {
      if (col.length === 0) return;
      var total = 0;
      col.forEach(function (u) { total += value[u]; });
      var room = bottom - top - (col.length - 1) * NODE_PADDING;
      var candidate = room / total;
      ky = candidate < ky ? candidate : ky;
    });
    if (!isFinite(ky)) ky = 1;

    var boxes = all.map(function (u) {
      var x0 = MARGIN.left + column[u] * COLUMN_STEP;
      return { x0: x0, x1: x0 + NODE_WIDTH, y0: 0, y1: value[u] * ky, column: column[u] };
    });
    var centerY = function (u) { return (boxes[u].y0 + boxes[u].y1) / 2; };
    // Initial packing: by position, centred in the column.
    members.forEach(function (col) {
      if (col.length === 0) return;
      var total = (col.length - 1) * NODE_PADDING;
      col.forEach(function (u) { total += value[u] * ky; });
      var y = top + (bottom - top - total) / 2;
      col.forEach(function (u) {
        var h = boxes[u].y1;
        boxes[u].y0 = y;
        boxes[u].y1 = y + h;
        y += h + NODE_PADDING;
      });
    });
    // Relaxation: move each node towards the weighted centre of its neighbours.
    var relax = function (u, neighbours, alpha) {
      var weight = 0;
      neighbours.forEach(function (nb) { weight += nb[1]; });
      if (!(weight > 0)) return;
      var sum = 0;
      neighbours.forEach(function (nb) { sum += centerY(nb[0]) * nb[1]; });
      var dy = (sum / weight - centerY(u)) * alpha;
      boxes[u].y0 += dy;
      boxes[u].y1 += dy;
    };
    var resolveCollisions = function (col) {
      var sorted = sortedIndices(col, function (u) { return boxes[u].y0; });
      var y = top;
      sorted.forEach(function (u) {
        var shift = swiftMax(0, y - boxes[u].y0);
        boxes[u].y0 += shift;
        boxes[u].y1 += shift;
        y = boxes[u].y1 + NODE_PADDING;
      });
      y = bottom;
      for (var i = sorted.length - 1; i >= 0; i--) {
        var v = sorted[i];
        var shift = swiftMax(0, boxes[v].y1 - y);
        boxes[v].y0 -= shift;
        boxes[v].y1 -= shift;
        y = boxes[v].y0 - NODE_PADDING;
      }
    };
    var alpha = 1;
    for (var round = 0; round < 6; round++) {
      alpha *= 0.99;
      for (var a = 1; a < members.length; a++) {
        members[a].forEach(function (u) {
          relax(u, incoming[u].map(function (e) { return [edges[e].s, edges[e].value]; }), alpha);
        });
        resolveCollisions(members[a]);
      }
      for (var b = members.length - 2; b >= 0; b--) {
        members[b].forEach(function (u) {
          relax(u, outgoing[u].map(function (e) { return [edges[e].t, edges[e].value]; }), alpha);
        });
        resolveCollisions(members[b]);
      }
    }

    // Ribbons: stacked inside each node, ordered by where their other end sits.
    var ribbons = edges.map(function (edge) {
      return { x0: boxes[edge.s].x1, x1: boxes[edge.t].x0, y0: 0, y1: 0, width: edge.value * ky };
    });
    for (var w = 0; w < n; w++) {
      var y = boxes[w].y0;
      sortedIndices(outgoing[w], function (e) { return centerY(edges[e].t); }).forEach(function (e) {
        ribbons[e].y0 = y + ribbons[e].width / 2;
        y += ribbons[e].width;
      });
      y = boxes[w].y0;
      sortedIndices(incoming[w], function (e) { return centerY(edges[e].s); }).forEach(function (e) {
        ribbons[e].y1 = y + ribbons[e].width / 2;
        y += ribbons[e].width;
      });
    }
    // Links naming unknown nodes (only possible in hand-edited data) get no ribbon.
    var next = 0;
    var links = data.links.map(function (link) {
      if (has(link.source) && has(link.target)) return ribbons[next++];
      return { x0: 0, x1: 0, y0: 0, y1: 0, width: 0 };
    });
    return { width: width, height: height, nodes: boxes, links: links };
  }

  // ---------------------------------------------------------------------------------------------
  // The CLI's path line (BeamPath.text)
  // ---------------------------------------------------------------------------------------------

  /// `The -> " dog" -> . (score: -1.9643)`: earliest token first, \n and \t escaped, quoted
  /// when the token has a space or is empty.
  function pathText(tokens, positions, scoreNorm) {
    var shown = [];
    for (var i = positions.length - 1; i >= 0; i--) {
      var p = positions[i];
      var token = p < tokens.length ? String(tokens[p]) : '[' + p + ']';
      var escaped = token.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
      var quoted = token.indexOf(' ') >= 0 || escaped.length === 0;
      shown.push(quoted ? '"' + escaped + '"' : escaped);
    }
    return shown.join(' -> ') + ' (score: ' + formatFixed(scoreNorm, 4) + ')';
  }

  return {
    decode: decode,
    fromMatrix: fromMatrix,
    parseLengthNorm: parseLengthNorm,
    lengthNormName: lengthNormName,
    search: search,
    sankey: sankey,
    layout: layout,
    pathText: pathText,
    formatFixed: formatFixed,
    // Lower-level pieces, exported for tests.
    safeLog: safeLog,
    glibcLog: glibcLog,
    glibcPow: glibcPow,
    glibcExp: glibcExp,
    fusedMultiplyAdd: fusedMultiplyAdd,
    parseSwiftDouble: parseSwiftDouble,
    swiftDoubleDescription: swiftDoubleDescription,
    normalizeScore: normalizeScore
  };
})();
if (typeof module !== 'undefined') module.exports = RatExplorer;
"""#
