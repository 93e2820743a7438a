import { describe, expect, it } from "vitest";
import { type Control, parseControl } from "./apt.js";
import { dependencyClosure, dependencyNames } from "./debian-layer.js";

const ARCHIVE = parseControl(`Package: libstdc++6
Version: 12.2.0-14+deb12u1
Architecture: amd64
Depends: gcc-12-base (= 12.2.0-14+deb12u1), libc6 (>= 2.36), libgcc-s1 (>= 4.5)
Description: GNU Standard C++ Library v3
 This package contains an additional runtime library for C++ programs.

Package: libgcc-s1
Version: 12.2.0-14+deb12u1
Architecture: amd64
Depends: gcc-12-base (= 12.2.0-14+deb12u1), libc6 (>= 2.35)

Package: libc6
Version: 2.36-9+deb12u14
Architecture: amd64
Depends: libgcc-s1

Package: gcc-12-base
Version: 12.2.0-14+deb12u1
Architecture: amd64

Package: debconf
Version: 1.5.82
Architecture: all
Pre-Depends: perl-base (>= 5.20.1-3~)
`);

/** `apt.show` over the archive above; a name it lacks is an error, as with apt-cache. */
async function show(names: string[]): Promise<Map<string, Control>> {
  return new Map(
    names.map((n) => {
      const c = ARCHIVE.find((p) => p.Package === n);
      if (!c) throw new RangeError(`no package ${n}`);
      return [n, c];
    }),
  );
}

describe("Debian package resolution", () => {
  it("parses control stanzas, continuation lines included", () => {
    expect(ARCHIVE.map((c) => c.Package)).toEqual(["libstdc++6", "libgcc-s1", "libc6", "gcc-12-base", "debconf"]);
    expect(ARCHIVE[0]!.Description).toBe(
      "GNU Standard C++ Library v3\nThis package contains an additional runtime library for C++ programs.",
    );
  });

  it.each([
    ["gcc-12-base (= 12.2.0-14+deb12u1), libc6 (>= 2.36)", ["gcc-12-base", "libc6"]],
    ["debconf (>= 0.5) | debconf-2.0", ["debconf"]],
    ["python3:any, libc6:amd64 (>= 2.34)", ["python3", "libc6"]],
    ["", []],
    [undefined, []],
  ])("dependencyNames(%j) is %j", (field, names) => {
    expect(dependencyNames(field)).toEqual(names);
  });

  it("takes the libraries with every package they depend on, and nothing else", async () => {
    const closure = await dependencyClosure(["libstdc++6"], show);
    expect([...closure.keys()].sort()).toEqual(["gcc-12-base", "libc6", "libgcc-s1", "libstdc++6"]);
  });

  it("names a dependency the archive lacks", async () => {
    await expect(dependencyClosure(["debconf"], show)).rejects.toThrow("no package perl-base");
  });
});
