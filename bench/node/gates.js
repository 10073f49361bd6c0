'use strict';
// The gates of pecta-go written the way a Node service would write them
// (@pecta/core is not published on npm, so these stand in for it): an engine
// running gates in order with a wall-clock budget and failFast, the six RTB
// gates over JSON.parse'd OpenRTB objects, and the generic filesystem / pii /
// content gates as regular expressions over every string of the output.
// The budget of the benchmark engines is an hour, as in the Go benchmarks:
// a stalled machine must not turn an op into a timeout. Gates are
// synchronous functions: the cheapest possible form in JavaScript
// (no promises, no timers), so the comparison favours Node.
//
// Protocol (used by BenchmarkNodeGates in bench/node_test.go): read lines
// "<case> <n>" on stdin, run the case n times, answer one JSON line
// {"ns": total, "p50": ..., "p99": ..., "p999": ..., "passed": bool}.
// Cases: rtb-raw, rtb-views, generic-2k; the line "warm" runs each 20000
// times first, so that the JIT has optimized them before they are measured.
//
//   node bench/node/gates.js --once rtb-raw 100000   # one measurement, printed

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const dir = path.join(__dirname, '..', 'testdata');
const reqRaw = fs.readFileSync(path.join(dir, 'rtb-request.json'), 'utf8');
const respRaw = fs.readFileSync(path.join(dir, 'rtb-response.json'), 'utf8');
const outRaw = fs.readFileSync(path.join(dir, 'agent-output-2k.json'), 'utf8');

// ---- engine

function createEngine(gates, { timeout = 50, failFast = true } = {}) {
  const names = new Set();
  for (const g of gates) {
    if (names.has(g.name)) throw new Error('duplicate gate ' + g.name);
    names.add(g.name);
  }
  return {
    evaluate(ctx) {
      const start = performance.now();
      const deadline = start + timeout;
      const results = [];
      let passed = true;
      let stopped = null;
      for (const g of gates) {
        const t0 = performance.now();
        if (stopped) {
          results.push(stopped === 'abort'
            ? { name: g.name, passed: false, latency_ms: 0, reason: 'pecta:aborted' }
            : { name: g.name, passed: true, skipped: true, latency_ms: 0, reason: stopped });
          continue;
        }
        if (t0 >= deadline) {
          results.push({ name: g.name, passed: false, latency_ms: 0, reason: 'pecta:timeout' });
          passed = false;
          continue;
        }
        const r = g.run(ctx);
        const t1 = performance.now();
        const res = { name: g.name, passed: r.passed || !!r.skipped, latency_ms: t1 - t0 };
        if (r.reason) res.reason = r.reason;
        if (r.skipped) res.skipped = true;
        if (t1 > deadline) { res.passed = false; res.reason = 'pecta:timeout'; }
        results.push(res);
        if (!res.passed) {
          passed = false;
          if (failFast) stopped = 'abort';
        } else if (r.skipped && r.endPipeline) {
          stopped = 'pipeline ended by ' + g.name;
        }
      }
      return { passed, gates: results, total_latency_ms: performance.now() - start };
    },
  };
}

// ---- RTB gates over OpenRTB objects

const bids = (resp) => (resp.seatbid || []).flatMap((s) => s.bid || []);
const pass = { passed: true };
const fail = (reason) => ({ passed: false, reason });

const tmaxGuard = (bufferMs = 15) => ({
  name: 'rtb.tmax-guard',
  run(ctx) {
    const tmax = ctx.tmaxMs || (ctx.input && ctx.input.tmax);
    if (!tmax || !ctx.startedAt) return pass;
    if (tmax - (Date.now() - ctx.startedAt) < bufferMs) return { passed: true, skipped: true, endPipeline: true, reason: 'less than ' + bufferMs + 'ms of tmax left' };
    return pass;
  },
});

const skip = (reason) => ({ passed: true, skipped: true, reason });

const impidMatch = () => ({
  name: 'rtb.impid-match',
  run(ctx) {
    const ids = new Set((ctx.input.imp || []).map((i) => i.id));
    if (ids.size === 0) return skip('no impressions in request');
    const all = bids(ctx.output);
    if (all.length === 0) return skip('no bids in response');
    for (const b of all) {
      if (!b.impid) return fail('bid missing impid');
      if (!ids.has(b.impid)) return fail('bid impid not present in request');
    }
    return pass;
  },
});

const PLACEHOLDERS = ['advertiserdomain.com', 'example.com', 'example.org', 'example.net', 'test.com', 'placeholder.com', 'localhost', 'foo.com', 'bar.com'];
const HOST = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.(?!\d+$)[a-z0-9-]{1,63}(?<!-)$/i;
const domainMatch = (d, base) => d === base || d.endsWith('.' + base);

const adomainVerify = ({ requireAdomain = true } = {}) => ({
  name: 'rtb.adomain-verify',
  run(ctx) {
    const badv = (ctx.input.badv || []).map((d) => d.toLowerCase());
    for (const b of bids(ctx.output)) {
      if (!b.adomain || b.adomain.length === 0) {
        if (requireAdomain) return fail('bid has no adomain');
        continue;
      }
      for (let d of b.adomain) {
        d = d.trim().toLowerCase().replace(/\.$/, '');
        const p = PLACEHOLDERS.find((p) => domainMatch(d, p));
        if (p) return fail('placeholder adomain: ' + p);
        if (!HOST.test(d)) return fail('invalid adomain format');
        if (badv.some((p) => domainMatch(d, p))) return fail('adomain blocked by badv');
      }
    }
    return pass;
  },
});

const bidSanity = ({ maxFloorMultiple = 50, maxPrice = 0 } = {}) => ({
  name: 'rtb.bid-sanity',
  run(ctx) {
    const floors = new Map((ctx.input.imp || []).map((i) => [i.id, i.bidfloor || 0]));
    const all = bids(ctx.output);
    if (all.length === 0) return skip('no bids in response');
    for (const b of all) {
      if (typeof b.price !== 'number' || !Number.isFinite(b.price)) return fail('bid missing price');
      if (b.price < 0) return fail('bid price is negative');
      if (maxPrice > 0 && b.price > maxPrice) return fail('bid price above the cap');
      const floor = floors.get(b.impid);
      if (floor > 0 && b.price / floor > maxFloorMultiple) return fail('bid price above ' + maxFloorMultiple + 'x the imp bidfloor');
      if (floor > 0 && b.price < floor) return fail('bid price below the imp bidfloor');
    }
    return pass;
  },
});

const UNSAFE = ['IAB7-39', 'IAB8-5', 'IAB8-18', 'IAB14-1', 'IAB25', 'IAB25-1', 'IAB25-2', 'IAB25-3', 'IAB25-4', 'IAB25-5', 'IAB25-6', 'IAB25-7', 'IAB26', 'IAB26-1', 'IAB26-2', 'IAB26-3', 'IAB26-4'];
const KIDS = ['kids', 'child', 'children', 'toddler', 'preschool', 'baby'];
const catMatch = (cat, code) => cat === code || cat.startsWith(code + '-');

const audienceSafety = () => ({
  name: 'rtb.audience-safety',
  run(ctx) {
    const req = ctx.input;
    const coppa = req.regs && req.regs.coppa === 1;
    const bundle = ((req.app && req.app.bundle) || '').toLowerCase();
    const kids = KIDS.some((k) => bundle.includes(k));
    if (!coppa && !kids) return skip('inventory is not child-directed');
    for (const b of bids(ctx.output)) {
      for (const c of b.cat || []) {
        const u = UNSAFE.find((u) => u === c) || UNSAFE.find((u) => catMatch(c, u));
        if (u) return fail('child-directed inventory served unsafe category: ' + u);
      }
    }
    return pass;
  },
});

const bcatCompliance = () => ({
  name: 'rtb.bcat-compliance',
  run(ctx) {
    const bcat = ctx.input.bcat || [];
    if (bcat.length === 0) return skip('no bcat in request');
    const all = bids(ctx.output);
    if (all.length === 0) return skip('no bids in response');
    for (const b of all) {
      for (const c of b.cat || []) {
        if (bcat.some((x) => catMatch(c, x))) return fail('blocked category in response: ' + c);
      }
    }
    return pass;
  },
});

// ---- generic gates: regular expressions over every string

function firstString(v, test) {
  if (typeof v === 'string') return test(v);
  if (Array.isArray(v)) {
    for (const e of v) { const r = firstString(e, test); if (r) return r; }
  } else if (v && typeof v === 'object') {
    for (const [k, e] of Object.entries(v)) {
      const r = test(k) || firstString(e, test);
      if (r) return r;
    }
  }
  return null;
}

const RM = /(^|[\s;&|(`])(sudo\s+)?(\/bin\/)?rm\s+(-[a-zA-Z]*([rR][a-zA-Z]*f|f[a-zA-Z]*[rR])[a-zA-Z]*|--recursive\s+--force|--force\s+--recursive)\b/;
const TRAVERSAL = /(^|[\/\\\s"'=:(])\.\.[\/\\]|\.\.%2f|%2e%2e(\/|%2f)/i;
const SENSITIVE = /(^|[^\w.~$}-])\/(etc|usr|var)(?![\w-])|(~|\$HOME|\$\{HOME\}|\/root|\/home\/[\w.-]+|\/Users\/[\w.-]+)\/\.(ssh|aws|gnupg)(?![\w-])/;
const filesystem = () => ({
  name: 'filesystem',
  run(ctx) {
    const r = firstString(ctx.output, (s) => (RM.test(s) ? 'destructive rm command' : TRAVERSAL.test(s) ? 'path traversal (..)' : SENSITIVE.test(s) ? 'sensitive path' : null));
    return r ? fail(r) : pass;
  },
});

// the expressions of the reference's pii page (docs.pecta.ai/gates/pii)
const EMAIL = /[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}/;
const SSN = /\b(?!000|666|9\d{2})\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/;
const PHONE = /\b(?:\+?1[-.\s]?)?\(?[2-9]\d{2}\)?[-.\s]\d{3}[-.\s]\d{4}\b/;
const pii = () => ({
  name: 'pii',
  run(ctx) {
    const r = firstString(ctx.output, (s) => (EMAIL.test(s) ? 'email address detected' : SSN.test(s) ? 'US social security number detected' : PHONE.test(s) ? 'US phone number detected' : null));
    return r ? fail(r) : pass;
  },
});

// the table of the reference's content page (docs.pecta.ai/gates/content), whole words
const REFUSAL = /\b(i (don['’]t|do not) have (access|the ability)|i (can['’]t|cannot) (do|help(?! but)|provide|access|complete|fulfill|assist)|as an ai (language )?model|i['’]m (just |only )?an ai|i am (just )?an ai|i['’]m unable to help|i am unable to help|i['’]m sorry, but i can(['’]t|not)|i won['’]t be able to help)\b/i;
const isEmpty = (v) => v == null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
const content = () => ({
  name: 'content',
  run(ctx) {
    if (isEmpty(ctx.output)) return fail('empty output');
    return firstString(ctx.output, (s) => (REFUSAL.test(s) ? 'refusal detected' : null)) ? fail('refusal detected') : pass;
  },
});

// ---- cases

const rtbEngine = createEngine([tmaxGuard(), impidMatch(), adomainVerify(), bidSanity(), audienceSafety(), bcatCompliance()], { timeout: 3600e3 });
const genericEngine = createEngine([filesystem(), pii(), content()], { timeout: 3600e3, failFast: false });
const reqObj = JSON.parse(reqRaw);
const respObj = JSON.parse(respRaw);
const outObj = JSON.parse(outRaw);

const cases = {
  'rtb-raw': () => rtbEngine.evaluate({ agent_id: 'agent-42', tool: 'bid', input: JSON.parse(reqRaw), output: JSON.parse(respRaw), startedAt: Date.now() }),
  'rtb-views': () => rtbEngine.evaluate({ agent_id: 'agent-42', tool: 'bid', input: reqObj, output: respObj, startedAt: Date.now() }),
  'generic-2k': () => genericEngine.evaluate({ agent_id: 'agent-42', tool: 'summarize', output: outObj }),
};

// warm runs every case until the JIT has optimized it.
function warm() {
  for (const fn of Object.values(cases)) {
    for (let i = 0; i < 20000; i++) fn();
  }
}

function measure(name, n) {
  const fn = cases[name];
  if (!fn) throw new Error('unknown case ' + name);
  const lat = new Float64Array(Math.min(n, 1 << 21));
  let passed = true;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    const r = fn();
    lat[i % lat.length] = Number(process.hrtime.bigint() - a);
    passed = passed && r.passed;
  }
  const total = Number(process.hrtime.bigint() - t0);
  const used = lat.subarray(0, Math.min(n, lat.length)).sort();
  const q = (p) => used[Math.min(used.length - 1, Math.floor(p * used.length))];
  return { ns: total, p50: q(0.5), p99: q(0.99), p999: q(0.999), passed };
}

if (process.argv[2] === '--once') {
  warm();
  const r = measure(process.argv[3] || 'rtb-raw', Number(process.argv[4] || 100000));
  console.log(JSON.stringify(r));
} else if (process.argv[2] === '--check') {
  // the fixtures pass; the bad variants fail as the Go gates do
  const bad = JSON.parse(respRaw);
  bad.seatbid[0].bid[0].adomain = ['example.com'];
  const r = rtbEngine.evaluate({ agent_id: 'a', input: reqObj, output: bad });
  console.log(JSON.stringify({ views: cases['rtb-views']().passed, generic: cases['generic-2k']().passed, placeholder: r.gates[2].reason }));
} else {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [name, n] = line.trim().split(/\s+/);
    if (name === 'warm') {
      warm();
      console.log(JSON.stringify({ passed: true }));
      return;
    }
    try {
      console.log(JSON.stringify(measure(name, Number(n))));
    } catch (e) {
      console.log(JSON.stringify({ error: String(e) }));
    }
  });
}
