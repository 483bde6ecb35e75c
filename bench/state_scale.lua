-- bench/state_scale.lua - wrk's requests for bench/state_scale.sh.
--   wrk ... -s state_scale.lua URL -- KIND TOKEN SAMPLEDIR [FIRST LANES [DAYS_BACK]]
-- FIRST LANES: the lane of this wrk's first thread, of LANES in all (a
-- lane for each thread of every wrk run at once; state_scale.sh passes them).
-- DAYS_BACK: the new doses' first date is that many days before today.
-- KIND: read, search, match, history, post, mix. Requests are drawn at
-- random from the sample (registry_sample) so caches see a spread.

local kind, token, dir
local ids, searches, matches = {}, {}, {}
-- new doses: each wrk thread (a lane) walks its own share of the clients,
-- so no two requests make the same dose; see make.post
local lane, lanes, posted, days_back = 0, 1, 0, 0
local threads = 0
function setup(thread)
   thread:set("tid", threads)
   threads = threads + 1
end

local function lines(path, into)
   local f = assert(io.open(path, "r"))
   for l in f:lines() do into[#into + 1] = l end
   f:close()
end

function init(args)
   kind, token, dir = args[1], args[2], args[3]
   lane = tonumber(args[4] or "0") + (tid or 0)
   lanes = math.max(tonumber(args[5] or "1"), lane + 1)
   days_back = tonumber(args[6] or "0")
   lines(dir .. "/ids", ids)
   lines(dir .. "/search", searches)
   lines(dir .. "/match", matches)
   -- each wrk thread its own sequence
   math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

local function pick(t) return t[math.random(#t)] end

local function uuid()
   local h = "0123456789abcdef"
   local s = {}
   for i = 1, 32 do
      local r = math.random(16)
      s[#s + 1] = h:sub(r, r)
   end
   local x = table.concat(s)
   return x:sub(1, 8) .. "-" .. x:sub(9, 12) .. "-4" .. x:sub(14, 16) .. "-a" .. x:sub(18, 20) .. "-" .. x:sub(21, 32)
end

local function get(path)
   return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

local function post(path, body, extra)
   local h = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/fhir+json"}
   for k, v in pairs(extra or {}) do h[k] = v end
   return wrk.format("POST", path, h, body)
end

local make = {}

make.read = function() return get("/Patient/" .. pick(ids)) end
make.search = function() return get("/Patient?" .. pick(searches) .. "&_count=20") end
make.match = function() return post("/Patient/$match", pick(matches)) end
-- what vaxdesk asks when it opens a record
make.history = function() return get("/Immunization?patient=" .. pick(ids) .. "&_count=500") end
make.companions = function()
   if math.random(2) == 1 then
      return get("/RelatedPerson?patient=" .. pick(ids) .. "&_count=50")
   end
   return get("/Consent?patient=" .. pick(ids) .. "&_count=50")
end
-- a dose given today, sent as vaxdesk's outbox sends it: conditional on
-- the dose's own UUID. The registry refuses a second dose of a vaccine
-- group within 4 days as a likely duplicate: each lane gives its own
-- clients a dose in turn, and each round through them is 5 days earlier.
make.post = function()
   local u = uuid()
   local mine = math.floor((#ids - lane - 1) / lanes) + 1
   local id = ids[lane + 1 + (posted % mine) * lanes]
   local day = os.date("!%Y-%m-%d", os.time() - (days_back + math.floor(posted / mine) * 5) * 86400)
   posted = posted + 1
   local body = '{"resourceType":"Immunization","identifier":[{"system":"urn:ietf:rfc:3986",' ..
      '"value":"urn:uuid:' .. u .. '"}],"status":"completed","vaccineCode":{"coding":[{"system":' ..
      '"http://hl7.org/fhir/sid/cvx","code":"141"}]},"patient":{"reference":"Patient/' .. id ..
      '"},"occurrenceDateTime":"' .. day .. '","primarySource":true,' ..
      '"manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"SEQ"}},' ..
      '"lotNumber":"FL2026A","expirationDate":"2027-06-30",' ..
      '"route":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0162","code":"IM"}]},' ..
      '"site":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0163","code":"LA"}]},' ..
      '"doseQuantity":{"value":0.5,"unit":"mL"},"fundingSource":{"coding":[{"code":"VXC1"}]},' ..
      '"programEligibility":[{"coding":[{"code":"V02"}]}],' ..
      '"education":[{"documentType":"Influenza VIS","publicationDate":"2023-08-06",' ..
      '"presentationDate":"' .. day .. '"}]}'
   return post("/Immunization", body,
      {["If-None-Exist"] = "identifier=urn:ietf:rfc:3986|urn:uuid:" .. u})
end

-- a front desk's day: find the client, open the record, record the shots
local mix = {
   {25, "search"}, {5, "match"}, {20, "read"}, {20, "history"}, {15, "companions"}, {15, "post"},
}

make.mix = function()
   local r, acc = math.random(100), 0
   for _, m in ipairs(mix) do
      acc = acc + m[1]
      if r <= acc then return make[m[2]]() end
   end
   return make.read()
end

-- a client that reconnects for every request: the TLS handshake's cost
make.connect = function()
   return wrk.format("GET", "/metadata", {["Connection"] = "close"})
end

function request()
   return make[kind]()
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("RESULT %d %d %.3f %.3f %d\n", summary.requests, summary.duration,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.connect + e.read + e.write + e.status + e.timeout))
end
