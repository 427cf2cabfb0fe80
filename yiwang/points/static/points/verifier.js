// The pass verifier (a conductor's or a gate keeper's phone), /public/passes/verifier/.
//
// Set up once with the device code the county admin gave and the place: the page fetches
// the verifier bundle (the JWKS, the ids of the revoked passes, the benefits) and keeps it
// in localStorage. A pass (its JWS compact token, scanned from its QR code or pasted) is
// checked here with no network: its Ed25519 signature with @noble/ed25519 (vendored; its
// SHA-512 from @noble/hashes, since plain-HTTP intranets have no crypto.subtle), its
// validity against the phone's clock, the kept revocation list. Each accepted use is kept
// in a queue in localStorage (a UUID, the time, the place, the device) and sent when online
// (POST /api/v1/passes/uses/, idempotent by UUID); a use leaves the queue only once the
// server confirmed it (stored, or known from an earlier send).
import * as ed from "../vendor/noble-ed25519/index.js";
import { sha512 } from "../vendor/noble-ed25519/hashes/sha2.js";

ed.hashes.sha512 = sha512;

const root = document.getElementById("verifier");
const STATE_KEY = "yiwang.verifier";
const QUEUE_KEY = "yiwang.verifier.queue";
const MAX_TOKEN = 2048;
const SAME_PASS_SECONDS = 60; // a pass checked again at once is one use
// The server's MAX_USES_A_BATCH (services/passes.py), until the kept bundle says (max_uses).
const MAX_USES_DEFAULT = 500;
const $ = (id) => document.getElementById(id);
let sending = false;

function message(name, values) {
  let text = root.getAttribute("data-msg-" + name) || name;
  Object.keys(values || {}).forEach((key) => { text = text.replace("%(" + key + ")s", values[key]); });
  return text;
}

function load(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value === null ? fallback : value;
  } catch (error) {
    return fallback;
  }
}

function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
function state() { return load(STATE_KEY, {}); }
function queue() { return load(QUEUE_KEY, []); }

function uuid4() {
  if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) { throw new Error("not base64url"); }
  let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  while (b64.length % 4) { b64 += "="; }
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) { out[i] = binary.charCodeAt(i); }
  return out;
}

function utf8(bytes) { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); }

const dayFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: root.getAttribute("data-time-zone") || "Asia/Shanghai",
  year: "numeric", month: "2-digit", day: "2-digit",
});
function day(seconds) { return dayFormat.format(new Date(seconds * 1000)); }

function refused(code, claims, values) {
  return { valid: false, code: code, reason: message(code, values), claims: claims || null };
}

// The same checks as the server's verify_token, with the kept bundle.
export function verifyToken(token, bundle) {
  token = (token || "").trim();
  const parts = token.split(".");
  if (!token || token.length > MAX_TOKEN || parts.length !== 3) { return refused("malformed"); }
  let header;
  let signature;
  try {
    header = JSON.parse(utf8(fromBase64url(parts[0])));
    signature = fromBase64url(parts[2]);
  } catch (error) {
    return refused("malformed");
  }
  if (!header || header.alg !== "EdDSA" || typeof header.kid !== "string") { return refused("malformed"); }
  const keys = (bundle && bundle.jwks && bundle.jwks.keys) || [];
  const jwk = keys.find((k) => k.kid === header.kid && k.kty === "OKP" && k.crv === "Ed25519");
  if (!jwk) { return refused("unknown-key"); }
  let good = false;
  try {
    const signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
    // RFC 8032 strict, as the server (OpenSSL) checks: no ZIP-215 leniency.
    good = ed.verify(signature, signed, fromBase64url(jwk.x), { zip215: false });
  } catch (error) {
    good = false;
  }
  if (!good) { return refused("bad-signature"); }
  let claims;
  try {
    claims = JSON.parse(utf8(fromBase64url(parts[1])));
  } catch (error) {
    return refused("malformed");
  }
  if (!claims || typeof claims.jti !== "string" || !Number.isInteger(claims.nbf) || !Number.isInteger(claims.exp)) {
    return refused("malformed");
  }
  const now = Date.now() / 1000;
  if (now < claims.nbf) { return refused("not-yet-valid", claims, { day: day(claims.nbf) }); }
  if (now >= claims.exp) { return refused("expired", claims, { day: day(claims.exp - 1) }); }
  if ((bundle.revoked || []).indexOf(claims.jti) >= 0) { return refused("revoked", claims); }
  return { valid: true, code: "valid", reason: message("valid"), claims: claims };
}

// --- the page -----------------------------------------------------------------------------

function showNetwork() {
  const badge = $("verifier-network");
  badge.textContent = navigator.onLine ? message("online") : message("offline");
  badge.className = "badge " + (navigator.onLine ? "text-bg-success" : "text-bg-warning");
  const bundle = state().bundle;
  $("verifier-keys").textContent = bundle && bundle.generated_at
    ? message("keys-from", { time: new Date(bundle.generated_at).toLocaleString() })
    : "";
}

function showQueue() {
  const records = queue();
  const waiting = records.filter((r) => !r.error).length;
  const refusedCount = records.length - waiting;
  const parts = [];
  parts.push(waiting ? message("waiting", { count: waiting }) : message("sent"));
  if (refusedCount) { parts.push(message("refused", { count: refusedCount })); }
  const status = $("queue-status");
  status.textContent = parts.join(" · ");
  status.setAttribute("data-waiting-count", String(waiting));
  // The refused uses, kept on the phone with the server's reason.
  const list = $("queue-refused");
  list.replaceChildren(...records.filter((r) => r.error).slice(0, 50).map((r) => {
    const row = document.createElement("li");
    row.setAttribute("data-uuid", r.uuid);
    row.textContent = new Date(r.used_at).toLocaleString() + " · " + r.error;
    return row;
  }));
  list.hidden = !refusedCount;
  list.setAttribute("data-refused-count", String(refusedCount));
}

function showSections() {
  const current = state();
  const ready = Boolean(current.code && current.bundle);
  $("verifier-setup").hidden = ready;
  $("verifier-check").hidden = !ready;
  if (ready) {
    $("device-name").textContent = (current.bundle.device && current.bundle.device.name) || "";
    $("device-place").textContent = current.place || "";
  }
  showNetwork();
  showQueue();
}

async function fetchBundle(code) {
  const response = await fetch(root.getAttribute("data-bundle-url"), {
    headers: { Authorization: "Verifier " + code, Accept: "application/json" },
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) {
    const error = new Error("refused");
    error.status = response.status;
    throw error;
  }
  return response.json();
}

async function refreshBundle() {
  const current = state();
  if (!current.code || !navigator.onLine) { return; }
  try {
    current.bundle = await fetchBundle(current.code);
    save(STATE_KEY, current);
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      delete current.code;
      save(STATE_KEY, current);
      $("setup-error").textContent = message("bad-code");
      $("setup-error").hidden = false;
    }
  }
  showSections();
}

// The uses are sent in batches of at most the server's limit (the bundle's max_uses, the
// server's MAX_USES_A_BATCH), one after the other until none waits. A batch the server
// refuses as a whole (400) is halved until the use it cannot take is alone; that use is
// kept, flagged with the server's reason (shown under the queue), and the others go on.
// No signal, a refused device code or a server error: the rest waits for the next try.
function batchLimit() {
  const bundle = state().bundle || {};
  const limit = Number(bundle.max_uses);
  return Number.isInteger(limit) && limit > 0 ? limit : MAX_USES_DEFAULT;
}

function firstText(value) {
  if (typeof value === "string") { return value; }
  if (value && typeof value === "object") {
    for (const key of Object.keys(value)) {
      const found = firstText(value[key]);
      if (found) { return found; }
    }
  }
  return "";
}

async function reasonOf(response) {
  try {
    return firstText(await response.json()) || message("refused-whole");
  } catch (error) {
    return message("refused-whole");
  }
}

function postUses(code, batch) {
  return fetch(root.getAttribute("data-uses-url"), {
    method: "POST",
    headers: {
      Authorization: "Verifier " + code,
      "Content-Type": "application/json",
      Accept: "application/json",
    },
    credentials: "omit",
    body: JSON.stringify({ uses: batch.map((r) => ({
      uuid: r.uuid, token: r.token, used_at: r.used_at, place: r.place, device: r.device,
    })) }),
  });
}

// Applies the server's answer to the kept queue (read again: a use accepted while the batch
// was on its way stays); true when it settled any use of the batch.
function settle(answer, batch) {
  const confirmed = new Set([].concat(answer.stored || [], answer.known || []));
  const refusedUses = answer.refused || {};
  save(QUEUE_KEY, queue().filter((r) => !confirmed.has(r.uuid)).map((r) => {
    if (refusedUses[r.uuid]) { r.error = refusedUses[r.uuid]; }
    return r;
  }));
  return batch.some((r) => confirmed.has(r.uuid) || refusedUses[r.uuid]);
}

function flag(uuid, reason) {
  save(QUEUE_KEY, queue().map((r) => {
    if (r.uuid === uuid) { r.error = reason; }
    return r;
  }));
}

async function flush() {
  if (sending || !navigator.onLine || !state().code) { showQueue(); return; }
  sending = true;
  try {
    const limit = batchLimit();
    let size = limit;
    for (;;) {
      const current = state();
      if (!current.code || !navigator.onLine) { break; }
      const batch = queue().filter((r) => !r.error).slice(0, size);
      if (!batch.length) { break; }
      const response = await postUses(current.code, batch);
      if (response.ok) {
        if (!settle(await response.json(), batch)) { break; } // no progress: try later
        size = limit;
      } else if (response.status === 400 || response.status === 413) {
        if (batch.length > 1) {
          size = Math.ceil(batch.length / 2);
        } else {
          flag(batch[0].uuid, await reasonOf(response));
          size = limit;
        }
      } else {
        break; // a refused device code, too many requests, a server error: try later
      }
      showQueue();
    }
  } catch (error) {
    // No signal after all: the uses wait for the next try.
  } finally {
    sending = false;
    showQueue();
  }
}

function keep(result) {
  const current = state();
  const records = queue();
  const now = Date.now();
  const recent = records.some((r) => r.jti === result.claims.jti && now - Date.parse(r.used_at) < SAME_PASS_SECONDS * 1000);
  if (recent) { return; }
  records.push({
    uuid: uuid4(),
    jti: result.claims.jti,
    token: $("verify-token").value.trim(),
    used_at: new Date(now).toISOString(),
    place: current.place || "",
    device: (current.bundle && current.bundle.device && current.bundle.device.name) || "",
  });
  save(QUEUE_KEY, records);
}

function show(result) {
  const box = $("verify-result");
  box.hidden = false;
  box.className = "alert mt-3 " + (result.valid ? "alert-success" : "alert-danger");
  box.setAttribute("data-valid", result.valid ? "true" : "false");
  box.setAttribute("data-code", result.code);
  $("result-reason").textContent = result.reason;
  const claims = result.claims;
  $("result-facts").hidden = !claims;
  if (claims) {
    const benefits = (state().bundle || {}).benefits || {};
    $("result-holder").textContent = claims.hn || "";
    $("result-benefit").textContent = (benefits[claims.ben] && benefits[claims.ben].name) || claims.ben || "";
    $("result-validity").textContent = day(claims.nbf) + " — " + day(claims.exp - 1);
  }
}

function check() {
  const current = state();
  if (!current.bundle) {
    show({ valid: false, code: "no-keys", reason: message("no-keys"), claims: null });
    return;
  }
  const result = verifyToken($("verify-token").value, current.bundle);
  if (result.valid) { keep(result); }
  show(result);
  showQueue();
  flush();
}

$("verify-form").addEventListener("submit", (event) => {
  event.preventDefault();
  check();
});

$("setup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("setup-code").value.trim();
  const place = $("setup-place").value.trim();
  const error = $("setup-error");
  error.hidden = true;
  if (!code || !place) {
    error.textContent = message(code ? "no-place" : "bad-code");
    error.hidden = false;
    return;
  }
  try {
    const bundle = await fetchBundle(code);
    save(STATE_KEY, { code: code, place: place, bundle: bundle });
    showSections();
    flush();
  } catch (failure) {
    error.textContent = failure.status ? message("bad-code") : message("no-network");
    error.hidden = false;
  }
});

$("forget-device").addEventListener("click", () => {
  const current = state();
  $("setup-place").value = current.place || "";
  save(STATE_KEY, {});
  showSections();
});

// Scanning, where the browser can (BarcodeDetector and a camera); typing always works.
if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  const button = $("scan-button");
  button.hidden = false;
  button.addEventListener("click", async () => {
    const video = $("scan-video");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      show({ valid: false, code: "camera", reason: message("camera"), claims: null });
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const stop = () => {
      stream.getTracks().forEach((track) => track.stop());
      video.hidden = true;
    };
    const look = async () => {
      if (video.hidden) { return; }
      try {
        const codes = await detector.detect(video);
        if (codes.length) {
          stop();
          $("verify-token").value = codes[0].rawValue;
          check();
          return;
        }
      } catch (error) {
        stop();
        return;
      }
      setTimeout(look, 250);
    };
    look();
  });
}

window.addEventListener("online", () => { showNetwork(); refreshBundle().then(flush); });
window.addEventListener("offline", showNetwork);
setInterval(flush, 30000);
setInterval(refreshBundle, 15 * 60 * 1000);

// The page and its files kept for opening with no signal (where a service worker is
// allowed: HTTPS or localhost); the worker's scope is the passes' public pages.
if ("serviceWorker" in navigator && root.getAttribute("data-worker")) {
  const worker = root.getAttribute("data-worker");
  navigator.serviceWorker
    .register(worker, { scope: worker.slice(0, worker.lastIndexOf("/") + 1) })
    .catch(() => { /* no service worker here: the page works while it stays open */ });
}

showSections();
refreshBundle().then(flush);
root.setAttribute("data-ready", "true");
