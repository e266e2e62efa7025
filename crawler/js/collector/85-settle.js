// Waiting until the page is worth observing: the document has loaded (or a bounded wait for it ran
// out) and the DOM has not changed for quiet_ms, bounded by timeout_ms. Timers and clock are the
// captured ones: a page that replaces setTimeout or performance.now cannot stall or fool the wait.

function nonNegative(value) {
  const n = +value;
  return n > 0 ? n : 0;
}

function loaded() {
  try {
    return call(B.docReadyState, document) === 'complete';
  } catch (e) {
    return false;
  }
}

// A banner that slides or fades in is still invisible to a snapshot taken mid-animation.
// Endless animations (spinners, pulsing buttons) never finish and are not waited for.
function animating() {
  try {
    const animations = call(B.docGetAnimations, document);
    for (let i = 0; i < animations.length; i += 1) {
      const state = call(B.animationPlayState, animations[i]);
      if (state !== 'running' && state !== 'pending') {
        continue;
      }
      const effect = call(B.animationEffect, animations[i]);
      const end = effect ? call(B.effectComputedTiming, effect).endTime : Infinity;
      if (end !== Infinity && end === end) {
        return true;
      }
    }
  } catch (e) {
    return false;
  }
  return false;
}

// Resolves to the JSON of {settled, ms}. `load_ms` bounds the wait for the load event: a complete DOM with one
// stalled image is observed anyway once the DOM is quiet.
function settle(opts) {
  followDocument();
  const quietMs = nonNegative(opts && opts.quiet_ms);
  const timeoutMs = nonNegative(opts && opts.timeout_ms);
  const loadMs = opts && opts.load_ms !== undefined ? nonNegative(opts.load_ms) : timeoutMs;
  const pollMs = call(B.mathMax, undefined, [20, call(B.mathMin, undefined, [100, quietMs / 4])]);
  const start = now();
  // Quiet is counted from the call at the earliest: a click's effect often lands a few
  // frames later, after a DOM that had been quiet for a long time before it.
  const quietSince = () => (lastMutation > start ? lastMutation : start);
  return new B.Promise((resolve) => {
    function finish(settled) {
      resolve(toJSON({ settled, ms: call(B.mathRound, undefined, [now() - start]) }));
    }
    function poll() {
      const t = now();
      const ready = loaded() || t - start >= loadMs;
      if (ready && t - quietSince() >= quietMs && !animating()) {
        finish(loaded());
      } else if (t - start >= timeoutMs) {
        finish(false);
      } else {
        call(B.setTimeout, window, [poll, pollMs]);
      }
    }
    poll();
  });
}
