// What `npm run bench:console` measures in Chromium on the snapshot page: from the navigation's
// start to the paint of the first tree level (the app's marks kd:tree and kd:tree-painted), the
// bytes the page transferred, and from a click on a type to its first page of names (kd:names).

/** Signs in on the console's login page with `token`. */
export async function signIn(page, url, token) {
  await page.goto(`${url}/login`, { waitUntil: "networkidle0" });
  await page.type("#token", token);
  await Promise.all([
    page.waitForFunction(() => document.title.startsWith("Repositories"), { timeout: 60_000 }),
    page.click("form.login button"),
  ]);
}

/** One load of the snapshot page: milliseconds from the navigation's start, and bytes transferred. */
export async function measureTree(page, url) {
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => performance.getEntriesByName("kd:tree-painted").length > 0, {
    timeout: 600_000,
    polling: 50,
  });
  return page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0].startTime;
    const resources = performance.getEntriesByType("resource");
    const nav = performance.getEntriesByType("navigation")[0];
    const treeBytes = resources
      .filter((r) => r.name.includes("/api/") && r.name.includes("/tree"))
      .reduce((n, r) => n + r.transferSize, 0);
    return {
      inDomMs: at("kd:tree"),
      paintedMs: at("kd:tree-painted"),
      bytes: resources.reduce((n, r) => n + r.transferSize, nav?.transferSize ?? 0),
      treeBytes,
      requests: resources.length + 1,
      namespaces: document.querySelectorAll("#tree > details").length,
    };
  });
}

/** Opens the first namespace and its first type: ms from the click on the type to its first names in the DOM. */
export async function measureNames(page) {
  await page.click("#tree > details.tree-namespace > summary");
  await page.waitForSelector("#tree details[open] .tree-type > summary", { timeout: 600_000 });
  await page.evaluate(() => performance.clearMarks("kd:names"));
  const start = await page.evaluate(() => performance.now());
  await page.click("#tree details[open] .tree-type > summary");
  await page.waitForFunction(() => document.querySelectorAll(".tree-type[open] .tree-names a").length > 0, {
    timeout: 600_000,
    polling: 20,
  });
  return page.evaluate((t0) => {
    const names = document.querySelectorAll(".tree-type[open] .tree-names a").length;
    const end = performance.getEntriesByName("kd:names")[0]?.startTime ?? performance.now();
    return { ms: end - t0, names };
  }, start);
}
