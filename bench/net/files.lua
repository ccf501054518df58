-- SPDX-License-Identifier: GPL-2.0
-- wrk script of the file server benchmark (bench/run-in-vm.sh's file
-- section): each request GETs one of the NB_FILES files /f0 .. /fN-1
-- (default 256), at random.
local n = tonumber(os.getenv("NB_FILES") or "256")

request = function()
	return wrk.format("GET", "/f" .. math.random(0, n - 1))
end
