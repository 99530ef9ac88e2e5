-- Every well-formed fixture is read cleanly by parsers we did not write:
-- libregf's regfinfo, reglookup and RegRipper's svc plugin. Counts and
-- contents are compared with what the spec says the hive holds.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/writer/?.lua;" .. package.path
local H = require "helpers"
local E = require "expected"

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

-- Fixtures whose names are all ASCII (reglookup warns on others by design).
local function ascii_names(fixture) return not fixture.spec:find("writer%-features") end

local REGRIPPER_VARIANTS = {
  ["compromised/psexec-service"] = true, ["compromised/service-deleted"] = true,
  ["compromised/controlset-mismatch"] = true,
}

for _, fx in ipairs(H.fixtures("wellformed")) do
  local path = H.path(fx.name)
  describe("fixture " .. fx.name, function()
    local exp
    setup(function() exp = E.load(fx) end)

    it("is read by regfinfo with every key and value", function()
      if not H.have("regfinfo") then pending("regfinfo not installed") return end
      local out, err, code = H.run("regfinfo -v " .. H.quote(path))
      assert.equal(0, code, err)
      assert.equal("", err)
      assert.equal(exp.keys, count(out, "%(key:%)"))
      assert.equal(exp.values, count(out, "%(value: %d+%)"))
    end)

    it("is read by reglookup with every key and value", function()
      if not H.have("reglookup") then pending("reglookup not installed") return end
      local out, err, code = H.run("reglookup " .. H.quote(path))
      assert.equal(0, code, err)
      if ascii_names(fx) then
        -- Only the warnings reglookup gives for any value it cannot pretty-print.
        for line in err:gmatch("[^\n]+") do
          assert.matches("Data could not be interpreted", line)
        end
      end
      local lines = {}
      for line in out:gmatch("[^\n]+") do lines[line] = true end
      local keys = count(out, "\n[^\n]-,KEY,")
      assert.equal(exp.keys, keys)
      assert.equal(exp.values, count(out, "\n") - 1 - keys)
      -- Every string ImagePath in ControlSet001\Services is listed verbatim.
      for p, vals in pairs(exp.by_path) do
        local svc = p:match("^ControlSet001\\Services\\([^\\]+)$")
        local ip = vals.ImagePath
        if svc and ascii_names(fx) and ip and (ip.type == 1 or ip.type == 2) then
          -- reglookup's quoting of special characters
          local text = E.utf16_ascii(ip.hex):gsub('[%%,"%c\127-\255]', function(c)
            return ("%%%02X"):format(c:byte())
          end)
          local line = "/ControlSet001/Services/" .. svc .. "/ImagePath,"
                       .. (ip.type == 2 and "EXPAND_SZ" or "SZ") .. "," .. text .. ","
          assert.is_truthy(lines[line], "reglookup lacks " .. line)
        end
      end
    end)

    it("gives RegRipper's svc plugin every service of the current control set", function()
      if not H.have("regripper") then pending("regripper not installed") return end
      -- RegRipper takes about a second per run; the one-service variants of
      -- the clean baseline add nothing the writer has not shown on it.
      if fx.name:match("^compromised/") and not REGRIPPER_VARIANTS[fx.name] then
        pending("one-service variant of clean/SYSTEM: covered by clean/SYSTEM and demo/SYSTEM")
        return
      end
      local services = {}
      for p, vals in pairs(exp.by_path) do
        local svc = p:match("^ControlSet001\\Services\\([^\\]+)$")
        if svc and vals.ImagePath and (vals.ImagePath.type == 1 or vals.ImagePath.type == 2) then
          services[svc] = E.utf16_ascii(vals.ImagePath.hex)
        end
      end
      if next(services) == nil then pending("no services in this fixture") return end
      local out, _, code = H.run("regripper -r " .. H.quote(path) .. " -p svc")
      assert.equal(0, code)
      -- RegRipper's CSV: Time,Name,DisplayName,ImagePath,...
      local by_name = {}
      for line in out:gmatch("[^\n]+") do
        local name = line:match("^[^,]*,([^,]*),")
        if name then by_name[name] = (by_name[name] or "") .. line .. "\n" end
      end
      for svc, image in pairs(services) do
        local found = by_name[svc] and by_name[svc]:find(image, 1, true)
        assert.is_truthy(found, "svc plugin lacks " .. svc .. " -> " .. image)
      end
    end)
  end)
end

describe("deleted keys stay invisible to third-party readers", function()
  it("reglookup and RegRipper do not list the deleted PSEXESVC", function()
    local path = H.path("compromised/service-deleted")
    if H.have("reglookup") then
      local out = H.run("reglookup " .. H.quote(path))
      assert.is_nil(out:find("PSEXESVC", 1, true))
      assert.is_truthy(out:find("/ControlSet001/Services/Spooler,KEY,", 1, true))
    end
    if H.have("regripper") then
      local out = H.run("regripper -r " .. H.quote(path) .. " -p svc")
      assert.is_nil(out:find("PSEXESVC", 1, true))
    end
  end)
end)
