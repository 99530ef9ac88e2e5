-- A report whose every string attacks some format: terminal escapes,
-- newlines, quotes, pipes, commas, formula prefixes, non-ASCII, invalid
-- UTF-8, markup, bidi overrides. Loaded by report_tool and by the specs
-- (which compare what each parser reads back with these values).
-- HH_FIXTURE_KIND=services makes it a service report.
local esc = "\27[31mRED\27[0m"
local rows = {
  { name = "Dnscache", control_set = "ControlSet001", current = true, display_name = "DNS Client",
    description = "Caches DNS names", image_path = [[%SystemRoot%\system32\svchost.exe -k NetworkService]],
    service_dll = [[%SystemRoot%\System32\dnsrslvr.dll]], service_dll_source = "Parameters", service_main = "DnsServiceMain",
    object_name = [[NT AUTHORITY\NetworkService]], start = 2, start_name = "auto", type = 32, type_name = "share_process",
    error_control = 1, group = "TDI", depend_on_service = { "Tdx", "nsi" }, required_privileges = { "SeChangeNotifyPrivilege" },
    delayed_autostart = false, last_write = "2009-07-14T04:53:30Z", last_write_epoch = 1247547210,
    parameters_last_write = "2009-07-14T04:53:30Z", svchost_group = "NetworkService",
    values = { Start = { type = "REG_DWORD", data = 2 }, ImagePath = { type = "REG_EXPAND_SZ", data = [[%SystemRoot%\system32\svchost.exe -k NetworkService]] } },
    recovered = false, hive = "/cases/42/SYSTEM", key = [[ControlSet001\Services\Dnscache]] },
  { name = "evil" .. esc .. "\nsvc", control_set = "ControlSet001", current = true,
    display_name = "=HYPERLINK(\"http://x\",\"click\")", description = "+1+cmd|' /C calc'!A0",
    image_path = "C:\\Users\\Public\\a,b\"c\".exe", service_dll = nil,
    object_name = "-2+3", start = 2, start_name = "auto", type = 16, type_name = "own_process",
    error_control = 0, group = "@SUM(1)", depend_on_service = {}, required_privileges = {},
    delayed_autostart = true, failure_command = "\tcmd.exe /c evil", last_write = "2024-03-01T02:03:04Z",
    last_write_epoch = 1709258584, svchost_group = nil,
    values = { ["\255bad"] = { type = "REG_BINARY", data = "\0\1\2\255" }, z = { type = "REG_SZ", data = "<script>alert(1)</script>" } },
    recovered = true, hive = "/cases/42/SYSTEM", key = "ControlSet001\\Services\\evil" .. esc .. "\nsvc" },
  { name = "caf\u{e9}\u{4e2d}\u{6587}\u{1F600}", control_set = "ControlSet002", current = false,
    display_name = "invoice\u{202E}fdp.exe", description = "bad \255\254 bytes \192\128 overlong \0nul",
    image_path = "C:\\ProgramData\\x|y|z.exe", object_name = "LocalSystem", start = 3, type = 16,
    last_write = "2024-03-01T02:05:00Z", hive = "/cases/42/SYSTEM", key = "ControlSet002\\Services\\caf\u{e9}",
    depend_on_service = { "<b>bold</b>", "a;b" } },
}
local findings = {
  { rule = "known-tool", technique = "T1543.003", severity = "critical", score = 95,
    service = rows[2].name, display_name = rows[2].display_name, control_set = "ControlSet001", current = true,
    key = rows[2].key, last_write = rows[2].last_write, image_path = rows[2].image_path, object_name = rows[2].object_name,
    start = 2, start_name = "auto", type = 16, type_name = "own_process",
    message = "remote-execution tool's service <img src=x onerror=alert(1)> & \"quoted\" 'single'",
    evidence = { matched = "psexesvc", against = { "psexec", "paexec" }, nested = { b = 2, a = 1.5, ["\27x"] = true } },
    hive = "/cases/42/SYSTEM", plugin = "services" },
  { rule = "path-user-writable", technique = "T1543.003", severity = "high", score = 70,
    service = rows[3].name, display_name = rows[3].display_name, control_set = "ControlSet002", current = false,
    key = rows[3].key, last_write = rows[3].last_write, image_path = rows[3].image_path,
    message = "line1\nline2\r\n|pipe|,comma \u{202E}evil \255", evidence = {}, hive = "/cases/42/SYSTEM", plugin = "services" },
  { rule = "objectname-nonstandard", technique = "T1543.003", severity = "medium", score = 40.5,
    service = "=cmd()", control_set = "ControlSet001", current = true, key = "ControlSet001\\Services\\=cmd()",
    message = "@import", hive = "/cases/42/SYSTEM", plugin = "services",
    datetime = "", timestamp_desc = nil },
  { rule = "name-random", severity = "low", score = 10, service = "Dnscache", control_set = "ControlSet001",
    last_write = "2009-07-14T04:53:30Z", message = "plain", service_dll = rows[1].service_dll,
    image_path = rows[1].image_path, hive = "/cases/42/SYSTEM", plugin = "services" },
}
local meta = { verbose = os.getenv("HH_FIXTURE_VERBOSE") == "1", host = "WS-01\27]0;pwned\7|x", hive = "/cases/42/SYSTEM", hive_kind = "SYSTEM", dirty = true, replayed = true,
  software = "/cases/42/SOFTWARE", warnings = { "log <b>LOG2</b> absent", "\27[2Jcleared" },
  tool = "hivehunt 0.1.0", generated = "2026-11-28T18:00:00Z", baseline = nil }
local kind = os.getenv("HH_FIXTURE_KIND") or "findings"
return { kind = kind, findings = findings, rows = rows, meta = meta }
