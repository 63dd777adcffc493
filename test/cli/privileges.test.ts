import { describe, expect, test } from "bun:test";
import { dropPrivileges, findAccount, lowPortHelp } from "../../src/cli/privileges.ts";

const passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

describe("privileges", () => {
  test("finds an account by name or uid", () => {
    expect(findAccount(passwd, "nobody")).toEqual({ name: "nobody", uid: 65534, gid: 65534 });
    expect(findAccount(passwd, "0")?.name).toBe("root");
    expect(findAccount(passwd, "www")).toBeUndefined();
  });

  test("an unknown user is an error naming the fix, and nothing changes", () => {
    expect(dropPrivileges("www", () => passwd)).toContain("no such user");
    expect(process.getuid?.()).toBe(process.geteuid?.() ?? 0);
  });

  test("the low-port help names the three ways out", () => {
    const text = lowPortHelp(443);
    expect(text).toContain("port 443");
    for (const way of ["--user", "cap_net_bind_service", "AmbientCapabilities"]) expect(text).toContain(way);
  });
});
