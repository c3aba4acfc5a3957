-- wrk script: one signed-in journey of Passerelle, spread over one or more servers.
--
-- Environment (set by bench/load/run.sh):
--   JOURNEY   list | case | search | word | screening
--   COOKIE    "passerelle-session=…" of a signed-in account (second factor done)
--   PORTS     comma-separated ports on 127.0.0.1; wrk thread i talks to PORTS[i mod n]
--             (run wrk with -t equal to a multiple of the number of ports)
--   CASE_IDS  file with one case id per line (the "case" journey opens one at random)
--   CHILDREN  how many children the installation holds (the "word" journey)
--
-- Every answer must be 200: anything else (a redirect to the sign-in page, an error) is
-- counted and printed as non200, and run.sh refuses the run.

local journey = os.getenv("JOURNEY") or "list"
local cookie = os.getenv("COOKIE") or ""
local children = tonumber(os.getenv("CHILDREN") or "100000")

-- The names `passerelle bench cases` draws from.
local given = { "Léa", "Émilie", "Noah", "Chloé", "Félix", "Zoé", "Maëlle", "Loïc", "Inès", "Rosalie",
  "Thomas", "Océane", "Amira", "Jérémie", "Ophélie", "Mathis", "Aïcha", "Béatrice", "Hugo", "Anaïs",
  "Kevin", "Naomie", "Élodie", "Samuel" }
local family = { "Tremblay", "Gagnon", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
  "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard",
  "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier" }

local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}
local count = 0

function setup(thread)
  local ports = {}
  for p in string.gmatch(os.getenv("PORTS") or "", "%d+") do
    ports[#ports + 1] = p
  end
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[(count % #ports) + 1])[1]
  end
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  math.randomseed(1000 + id)
  ids = {}
  local path = os.getenv("CASE_IDS")
  if path then
    for line in io.lines(path) do
      if #line > 0 then ids[#ids + 1] = line end
    end
  end
  hdrs = { ["Cookie"] = cookie }
end

function request()
  local path
  if journey == "list" then
    path = "/cases"
  elseif journey == "case" then
    path = "/cases/" .. ids[math.random(#ids)]
  elseif journey == "search" then
    path = "/cases?q=" .. enc(given[math.random(#given)] .. " " .. family[math.random(#family)])
  elseif journey == "word" then
    path = "/cases?q=enfant" .. math.random(0, children - 1)
  else
    path = "/screenings/new"
  end
  return wrk.format("GET", path, hdrs)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do
    non200 = non200 + (t:get("bad") or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT journey=%s requests=%d non200=%d errors=%d rps=%.0f p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
    journey, summary.requests, non200,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
