// A storefront's end-to-end test written in Node.js, against the nexway-fake
// command: a whole purchase flow on Nexway's routes, then the admin API.
// No npm packages: the built-in fetch and child_process only.
//
//   node .ci/nexway-fake-e2e.mjs path/to/nexway-fake
//
// It starts the binary on a free loopback port, reads the URL and the
// credentials it prints, stops it with SIGTERM, and fails (exit 1) unless
// every answer is the expected one and the binary exits 0.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";

const bin = process.argv[2];
if (!bin) {
  console.error("usage: node nexway-fake-e2e.mjs path/to/nexway-fake");
  process.exit(2);
}

// --- start the fake and read its banner ---

const fake = spawn(bin, ["-addr", "127.0.0.1:0", "-admin", "-seed", "7"], { stdio: ["ignore", "pipe", "inherit"] });
const exited = new Promise((resolve) => fake.on("exit", (code, signal) => resolve({ code, signal })));
const out = createInterface({ input: fake.stdout });
const lines = [];
const banner = await new Promise((resolve, reject) => {
  out.on("line", (line) => {
    lines.push(line);
    if (line.startsWith("Stop with")) resolve(lines.slice());
  });
  fake.on("exit", () => reject(new Error("nexway-fake exited before serving: " + lines.join("\n"))));
});
const field = (label) => {
  const line = banner.find((l) => l.trim().startsWith(label + ":"));
  assert.ok(line, `banner has no ${label}: ${banner.join("\n")}`);
  return line.slice(line.indexOf(":") + 1).trim();
};
const base = banner[0].match(/ at (http:\/\/\S+)$/)[1];
const secret = field("secret header");
const realm = field("IAM realm");
const clientSecret = field("client secret");
console.log(`nexway-fake at ${base}`);

// --- helpers ---

async function send(method, path, { body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { "Content-Type": "application/json", ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const resp = await fetch(base + path, init);
  const text = await resp.text();
  return { status: resp.status, text, json: raw ? undefined : JSON.parse(text) };
}

let token;
async function login() {
  const r = await send("POST", "/iam/tokens", { body: { realmName: realm, grantType: "client_credentials", clientSecret } });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.access_token, r.text);
  token = r.json.access_token;
}

async function connect(method, path, body, wantCode = 0) {
  const r = await send(method, path, { body, headers: { secret, Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, `${method} ${path}: HTTP ${r.status} ${r.text}`);
  assert.equal(r.json.responseCode, wantCode, `${method} ${path}: ${r.text}`);
  return r.json;
}

async function admin(method, path, body, wantStatus = 200) {
  const r = await send(method, "/_fake" + path, { body });
  assert.equal(r.status, wantStatus, `${method} /_fake${path}: HTTP ${r.status} ${r.text}`);
  return r.json;
}

const step = (name) => console.log("--", name);

function order(pon, ref, quantity = 1) {
  return {
    partnerOrderNumber: pon,
    orderDate: "2026-01-05T10:00:00+01:00",
    currency: "EUR",
    orderLines: [{ productRef: ref, quantity }],
    customer: {
      email: "jane.doe@example.com",
      language: "en_GB",
      locationInvoice: { firstName: "Jane", lastName: "Doe", city: "London", country: "GB" },
    },
  };
}

try {
  // --- a purchase flow on Nexway's routes ---

  step("token");
  await login();

  step("admin: load a product and its keys");
  await admin("POST", "/products", [
    {
      ref: 880001, name: "Node Studio", amountDutyFree: 10, currency: "EUR", delivery: "serial+download",
      files: [{ label: "Setup", type: "exe", urlPath: "node-studio.exe", group: "main", size: 1000 }],
      crossSells: [733559],
    },
  ]);
  let left = await admin("POST", "/products/880001/keys", ["NODE-1", "NODE-2"]);
  assert.equal(left.keysLeft, 2);
  await admin("POST", "/keys", "productRef,licenseKey\n880001,NODE-3\n");
  left = await admin("GET", "/products/880001/keys");
  assert.equal(left.keysLeft, 3);
  const bad = await admin("POST", "/products", [{ ref: 880002, currency: "EUR" }], 400);
  assert.match(bad.error, /product 880002: name is empty/);

  step("stock");
  const stock = await connect("POST", "/connect/stock", { productRefs: [880001, 733562] });
  assert.deepEqual(stock.productStatus.map((p) => [p.productRef, p.status]), [[880001, 100], [733562, 300]]);

  step("cross-sell");
  const offers = await connect("POST", "/connect/order/crossupsell", { language: "EN", products: [{ productRef: 880001, quantity: 1 }] });
  assert.deepEqual(offers.productsReturn.map((o) => o.ref), [733559]);

  step("create");
  const created = await connect("POST", "/connect/order/new", order("NODE-1001", 880001));
  assert.equal(created.orderLines[0].lineItems[0].serials[0].data, "NODE-1");

  step("get");
  const got = await connect("GET", "/connect/order/NODE-1001");
  assert.equal(got.orderNumber, created.orderNumber);

  step("download info");
  const info = await connect("GET", "/connect/order/NODE-1001/download");
  assert.equal(info.downloadEndDate, "2026-01-26");
  assert.match(info.orderLines[0].files[0].url, /node-studio\.exe$/);

  step("extend");
  const extended = await connect("PUT", "/connect/order/download", { partnerOrderNumber: "NODE-1001", value: "P7D" });
  assert.equal(extended.newDownloadEndDate, "2026-02-02");

  step("categories and OS list");
  const cats = await connect("GET", "/connect/catalog/categories/en");
  assert.ok(cats.categoryList.length > 0, JSON.stringify(cats));
  const oses = await connect("GET", "/connect/catalog/oslist");
  assert.ok(oses.osList.some((o) => o.label === "Win 11"), JSON.stringify(oses));

  step("cancel");
  await connect("PUT", "/connect/order/cancel", { partnerOrderNumber: "NODE-1001", reasonCode: 2 });
  await connect("PUT", "/connect/order/cancel", { partnerOrderNumber: "NODE-1001", reasonCode: 2 }, 1011);

  // --- the admin API ---

  step("admin: the product feed, before and after the catalog changes");
  const feedURL = field("product feed");
  const feedRows = async (url = feedURL) => {
    const r = await fetch(url);
    const text = await r.text();
    assert.equal(r.status, 200, `GET feed: HTTP ${r.status} ${text}`);
    return text.trim().split("\n").slice(1).map((line) => line.split(";"));
  };
  await admin("PUT", "/feed", { columns: ["Product ID", "Name", "Price wo.VAT"], separator: ";" });
  let rows = await feedRows();
  assert.deepEqual(rows.find((r) => r[0] === "880001"), ["880001", "Node Studio", "10.00"]);
  assert.ok(rows.some((r) => r[0] === "733562"), JSON.stringify(rows));
  await admin("PUT", "/products", [{ ref: 880001, name: "Node Studio", amountDutyFree: 12.5, currency: "EUR", delivery: "serial+download" }]);
  await admin("DELETE", "/products/733562");
  rows = await feedRows();
  assert.deepEqual(rows.find((r) => r[0] === "880001"), ["880001", "Node Studio", "12.50"]);
  assert.ok(!rows.some((r) => r[0] === "733562"), JSON.stringify(rows));
  const refusedFeed = await fetch(feedURL.replace(/secret=[^&]*/, "secret=wrong"));
  assert.equal(refusedFeed.status, 401);
  await admin("PUT", "/feed", { separator: "ab" }, 400);

  step("admin: inject a fault and see it");
  await admin("POST", "/faults", { route: "POST /connect/stock", fault: { kind: "code", code: 1000 } });
  await connect("POST", "/connect/stock", { productRefs: [880001] }, 1000);
  const requests = await admin("GET", "/requests");
  const last = requests[requests.length - 1];
  assert.equal(last.route, "POST /connect/stock");
  assert.equal(last.fault, "code");
  assert.equal(last.body, '{"productRefs":[880001]}');
  await admin("PUT", "/faults/rate", { route: "", rate: 1, faults: [{ kind: "status", status: 502 }] });
  const faulted = await send("POST", "/connect/stock", { body: { productRefs: [880001] }, headers: { secret, Authorization: `Bearer ${token}` }, raw: true });
  assert.equal(faulted.status, 502);
  await admin("DELETE", "/faults");
  await connect("POST", "/connect/stock", { productRefs: [880001] });

  step("admin: hold an order, release it");
  await admin("POST", "/holds", { count: 1, code: 1060 });
  await connect("POST", "/connect/order/new", order("NODE-1002", 880001), 1060);
  const released = await admin("POST", "/orders/NODE-1002/release");
  assert.equal(released.pendingCode, 0);
  assert.deepEqual(released.lines[0].keys, ["NODE-2"]);

  step("admin: advance the clock");
  const before = await admin("GET", "/clock");
  const after = await admin("POST", "/clock/advance", { by: "48h" });
  assert.equal(Date.parse(after.now) - Date.parse(before.now), 48 * 3600 * 1000);
  const expired = await send("GET", "/connect/catalog/oslist", { headers: { secret, Authorization: `Bearer ${token}` } });
  assert.equal(expired.status, 401, "a token 48 hours old");
  assert.equal(expired.json.message, "bearer token expired");
  await login();
  const renewed = await connect("GET", "/connect/order/NODE-1002/download");
  assert.equal(renewed.downloadEndDate, "2026-01-26"); // 21 days from its creation

  step("admin: read orders, counts and the request log");
  const orders = await admin("GET", "/orders");
  assert.deepEqual(orders.map((o) => [o.partnerOrderNumber, o.cancelled]), [["NODE-1001", true], ["NODE-1002", false]]);
  const one = await admin("GET", "/orders/NODE-1001");
  assert.deepEqual(one.lines[0].keys, ["NODE-1"]);
  await admin("GET", "/orders/NOPE", undefined, 404);
  const counts = await admin("GET", "/counts");
  assert.equal(counts["POST /connect/order/new"].requests, 2);
  assert.equal(counts["POST /connect/stock"].faulted, 2);
  await admin("POST", "/wait-idle");

  step("admin: reset");
  await admin("POST", "/reset");
  assert.deepEqual(await admin("GET", "/orders"), []);
  assert.deepEqual(await admin("GET", "/requests"), []);
  assert.equal((await admin("GET", "/products/880001/keys")).keysLeft, 0);
  assert.equal((await admin("GET", "/clock")).now, before.now);
  const stale = await send("GET", "/connect/catalog/oslist", { headers: { secret, Authorization: `Bearer ${token}` }, raw: true });
  assert.equal(stale.status, 401, "a token from before the reset");
} catch (err) {
  console.error("FAILED:", err.message);
  fake.kill("SIGKILL");
  process.exit(1);
}

// --- stop it ---

step("SIGTERM");
fake.kill("SIGTERM");
const { code, signal } = await exited;
assert.equal(signal, null, `killed by ${signal}`);
assert.equal(code, 0, `exit status ${code}`);
assert.equal(lines[lines.length - 1], "nexway-fake: stopped");
await assert.rejects(fetch(base + "/_fake/clock"), "still serving after it exited");
console.log("nexway-fake e2e passed");
