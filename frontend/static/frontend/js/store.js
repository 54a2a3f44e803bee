// The device's copy of the diary in IndexedDB: "days" holds what the server last confirmed (with
// its ETag), "outbox" what waits to be sent, "meta" cached lists for offline use.
const DB_NAME = "headache-diary";
const DB_VERSION = 1;
let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function openDb() {
  if (!opening) {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("days", { keyPath: "date" });
      db.createObjectStore("outbox", { keyPath: "date" });
      db.createObjectStore("meta");
    };
    opening = promised(request).then((db) => {
      // Another tab deleting the database (logging out) must not be blocked by this one.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      return db;
    });
  }
  return opening;
}

async function run(storeName, mode, action) {
  const db = await openDb();
  const transaction = db.transaction(storeName, mode);
  const result = await promised(action(transaction.objectStore(storeName)));
  if (mode === "readwrite") {
    await new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  return result;
}

export const get = (store, key) => run(store, "readonly", (s) => s.get(key));
export const all = (store) => run(store, "readonly", (s) => s.getAll());
export const put = (store, value, key) => run(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
export const remove = (store, key) => run(store, "readwrite", (s) => s.delete(key));

export async function putMany(store, values) {
  const db = await openDb();
  const transaction = db.transaction(store, "readwrite");
  const objectStore = transaction.objectStore(store);
  values.forEach((value) => objectStore.put(value));
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
  });
}

export async function range(store, from, to) {
  return run(store, "readonly", (s) => s.getAll(IDBKeyRange.bound(from, to)));
}

// Logging out removes every copy of health data from the device.
export async function wipe() {
  if (opening) {
    const db = await opening;
    db.close();
    opening = null;
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = resolve;
    request.onerror = resolve;
    request.onblocked = resolve;
  });
  if ("caches" in self) {
    const keys = await caches.keys();
    // The shell cache holds only code and icons; anything else may hold API responses.
    await Promise.all(keys.filter((key) => !key.startsWith("shell-")).map((key) => caches.delete(key)));
  }
}
