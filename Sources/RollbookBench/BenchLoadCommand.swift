import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore

struct BenchLoadError: Error, CustomStringConvertible {
    var description: String
}

/// `rollbook bench load`: register submission under load through the JSON API, against Vapor's bare JSON endpoint
/// measured in the same run, both driven by wrk. Figures, then checks: the run fails on any non-2xx answer, any
/// socket error, or an acknowledged register whose marks are not all in the database.
struct BenchLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test register submission (wrk, POST of whole AM registers) against a bare Vapor JSON endpoint.",
        discussion: """
            Creates the 1,200-pupil demo secondary in a fresh SQLite file, an API token for the office account, and starts \
            Rollbook and a bare Vapor app (one route answering {"ok":true}) in this process on free loopback ports. wrk \
            (Debian package wrk; scripts/bench-load.sh installs it) then drives each for --duration seconds: the bare app with \
            GET, Rollbook with POST /api/v1/registers/{date}/AM, each request one form's whole register (about 30 pupils, \
            present, late and absent codes) on one of the --days school days before --as-of, rotating over forms and days. \
            Those registers are not yet taken (the demo's marks stop before them), so the first pass enters them and later \
            passes amend about half of each register's marks, with a reason. Between the two, Rollbook also serves GETs of \
            the same registers for --duration seconds (the read path alone, for comparison). It prints requests a second and \
            p50/p99 latency of each, the cores kept busy (servers, wrk, anything else on the machine), the marks written, \
            and how long one register's write transaction takes alone. It fails on any non-2xx answer or socket error, and \
            unless every register acknowledged to wrk has all its marks in the database (one grouped SQL count). \
            Build with -c release for real figures.
            """)
    @Option(help: "Open connections (wrk -c).") var connections = 64
    @Option(help: "Seconds of load on each server (wrk -d).") var duration = 20
    @Option(help: "wrk threads (wrk -t).") var threads = 2
    @Option(help: "SQLite file for the demo school; must not exist yet and is kept (default: a temporary file, removed afterwards).")
    var database: String?
    @Option(help: "The day the server's clock stands at, 10:00 (default: the last school day up to today).") var asOf: String?
    @Option(help: "School days of registers, before --as-of, that the submissions rotate over.") var days = 40
    @Option(help: "Seconds of warm-up of each server before its measurements (not counted; Rollbook's only reads registers).") var warmup =
        3
    @Option(help: "The wrk executable.") var wrk = "wrk"

    func validate() throws {
        guard connections >= 1, threads >= 1, connections >= threads else {
            throw UsageError("--connections must be at least --threads, both positive")
        }
        guard duration >= 1 else { throw UsageError("--duration must be at least 1 second") }
        guard days >= 1 else { throw UsageError("--days must be at least 1") }
        guard warmup >= 0 else { throw UsageError("--warmup must be 0 or more") }
    }

    func run() async throws {
        _ = try benchSettings()
        guard let wrkPath = findExecutable(wrk) else {
            throw UsageError(
                "'\(wrk)' was not found: install wrk (apt-get install -y wrk, or run scripts/bench-load.sh) or give its path with --wrk")
        }
        let day = try benchDay(asOf, flag: "--as-of")
        let dir = try benchFolder("load")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dbPath = database ?? dir.appendingPathComponent("load.sqlite").path
        if database != nil, FileManager.default.fileExists(atPath: dbPath) {
            throw UsageError("--database: \(dbPath) exists; give a new file")
        }

        #if DEBUG
            say("rollbook bench load: a debug build; build with -c release for figures worth keeping")
        #endif
        let started = Date()
        let bench = try await LoadBench.start(database: .sqlite(path: dbPath), asOf: day, days: days)
        do {
            try await measure(bench, wrkPath: wrkPath, dir: dir, setupSeconds: Date().timeIntervalSince(started))
        } catch {
            await bench.shutdown()
            throw error
        }
        await bench.shutdown()
    }

    func measure(_ bench: LoadBench, wrkPath: String, dir: URL, setupSeconds: Double) async throws {
        let regs = bench.registers
        let marksPerRegister = Double(regs.reduce(0) { $0 + $1.upns.count }) / Double(regs.count)
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        #if DEBUG
            let build = "debug build"
        #else
            let build = "release build"
        #endif
        say(
            "rollbook bench load: \(build), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(String(format: "%.1f", memory)) GiB, "
                + "\(wrkVersion(wrkPath)), \(connections) connections, \(threads) wrk threads, \(duration) s each")
        say(
            "  demo secondary, \(bench.pupils) pupils, SQLite, marks to \(bench.seededThrough), clock at \(bench.clock.now().date) 10:00 (set up in \(String(format: "%.1f", setupSeconds)) s)"
        )
        say(
            "  registers: \(regs.count) AM registers (\(bench.days.count) school days \(bench.days.first!)...\(bench.days.last!) x forms), "
                + String(format: "%.1f", marksPerRegister)
                + " pupils each on average, submitted with the office account's API token (\(bench.officeEmail))")

        let script = dir.appendingPathComponent("load.lua")
        try Self.lua.write(to: script, atomically: true, encoding: .utf8)
        let bodies = dir.appendingPathComponent("bodies.tsv")
        try (bench.requestLines().joined(separator: "\n") + "\n").write(to: bodies, atomically: true, encoding: .utf8)
        let paths = dir.appendingPathComponent("paths.txt")
        try (bench.registerPaths().joined(separator: "\n") + "\n").write(to: paths, atomically: true, encoding: .utf8)

        let bareURL = "http://127.0.0.1:\(bench.barePort)"
        let rollbookURL = "http://127.0.0.1:\(bench.rollbookPort)"
        let common = ["ROLLBOOK_LOAD_THREADS": String(threads), "ROLLBOOK_LOAD_TOKEN": bench.token]

        // 1. The bare endpoint.
        if warmup > 0 {
            _ = try await wrkRun(
                wrkPath, url: bareURL + LoadBench.barePath, seconds: warmup, script: script, dir: dir, name: "bare-warmup",
                env: common.merging(["ROLLBOOK_LOAD_MODE": "get"]) { $1 })
        }
        let bare = try await wrkRun(
            wrkPath, url: bareURL + LoadBench.barePath, seconds: duration, script: script, dir: dir, name: "bare",
            env: common.merging(["ROLLBOOK_LOAD_MODE": "get"]) { $1 })
        // 2. Rollbook: a read-only warm-up, then reading the same registers (for comparison: the read path alone), then the submissions.
        let readEnv = common.merging(["ROLLBOOK_LOAD_MODE": "get-paths", "ROLLBOOK_LOAD_PATHS": paths.path]) { $1 }
        if warmup > 0 {
            _ = try await wrkRun(
                wrkPath, url: rollbookURL, seconds: warmup, script: script, dir: dir, name: "rollbook-warmup", env: readEnv)
        }
        let read = try await wrkRun(
            wrkPath, url: rollbookURL, seconds: duration, script: script, dir: dir, name: "rollbook-read", env: readEnv)
        let answeredBefore = try await bench.drain()
        let post = try await wrkRun(
            wrkPath, url: rollbookURL, seconds: duration, script: script, dir: dir, name: "rollbook",
            env: common.merging(["ROLLBOOK_LOAD_MODE": "registers", "ROLLBOOK_LOAD_BODIES": bodies.path]) { $1 })
        // wrk stops with requests in flight: Rollbook answers them to closed connections. Wait for them before counting.
        let answeredByServer = try await bench.drain() - answeredBefore

        say("")
        say(
            "  " + "endpoint".padding(toLength: 50, withPad: " ", startingAt: 0)
                + "requests/s     p50       p99   requests  non-2xx  socket errors   cores busy: servers/wrk/other")
        for (label, r) in [
            ("bare Vapor JSON, GET \(LoadBench.barePath)", bare), ("Rollbook, POST /api/v1/registers/{date}/AM", post),
            ("(Rollbook, GET of the same registers, read only)", read),
        ] {
            say(
                "  " + label.padding(toLength: 50, withPad: " ", startingAt: 0)
                    + String(
                        format: "%10.0f  %6.1f ms  %6.1f ms  %9ld  %7ld  %13ld   %.2f / %.2f / %.2f", r.rps, r.ms("latency_p50_us"),
                        r.ms("latency_p99_us"),
                        r.int("requests"), r.int("non2xx"), r.socketErrors, r.serverCores, r.wrkCores, r.otherCores))
        }
        say(
            String(
                format:
                    "  ratio: the bare endpoint answers %.1f times as many requests a second; Rollbook's p50 is %.1f times the bare p50",
                bare.rps / max(post.rps, 0.001), post.ms("latency_p50_us") / max(bare.ms("latency_p50_us"), 0.001)))
        let created = post.int("created")
        let amended = post.int("amended")
        let unchanged = post.int("unchanged")
        say(
            String(
                format:
                    "  marks written: %ld (%ld first entries, %ld amendments with their audit record; %ld sent unchanged), %.0f a second",
                created + amended, created, amended, unchanged, Double(created + amended) / max(post.seconds, 0.001)))

        // 3. Checks: every answer 2xx, no socket errors, and every acknowledged register's marks in the database.
        var failures: [String] = []
        for (label, r) in [("bare", bare), ("Rollbook", post), ("Rollbook read", read)] {
            if r.int("non2xx") > 0 {
                failures.append("\(label): \(r.int("non2xx")) non-2xx answers, the first: \(r.values["first_error"] ?? "?")")
            }
            if r.socketErrors > 0 { failures.append("\(label): socket errors \(r.errorSummary)") }
            if r.status != 0 { failures.append("\(label): wrk exited with status \(r.status) (its output: \(r.outputPath))") }
            if r.int("responses") != r.int("requests") {
                failures.append("\(label): wrk counted \(r.int("requests")) requests but the script saw \(r.int("responses")) answers")
            }
        }
        let sizes = Dictionary(regs.map { ($0.key, $0.upns.count) }, uniquingKeysWith: { a, _ in a })
        let counts = try await bench.markCounts()
        var missing: [String] = []
        var expected = 0
        for key in post.acks.keys.sorted() {
            guard let size = sizes[key] else {
                missing.append("\(key): not a register of this run")
                continue
            }
            expected += size
            if counts[key] != size { missing.append("\(key): \(counts[key] ?? 0) marks of \(size)") }
        }
        let inDatabase = post.acks.keys.reduce(0) { $0 + (counts[$1] ?? 0) }
        say(
            "  Rollbook answered \(answeredByServer) submissions: \(post.int("responses")) reached wrk, \(answeredByServer - post.int("responses")) were in flight when it stopped"
        )
        say(
            "  check: \(post.acks.count) of \(regs.count) registers acknowledged (\(post.acks.values.reduce(0, +)) submissions); "
                + "their AM marks in the database (one grouped SQL count): \(inDatabase) of \(expected) expected"
                + (missing.isEmpty ? ", all there" : ", MISSING in \(missing.count) registers"))
        if !missing.isEmpty {
            failures.append("acknowledged registers without all their marks: " + missing.prefix(5).joined(separator: "; "))
        }
        let audited = try await bench.amendmentCount()
        say(
            "  check: \(audited) AM amendment records in the database for \(amended) acknowledged amendments"
                + (audited > amended ? " (the rest from submissions in flight when wrk stopped)" : ""))
        if audited < amended { failures.append("\(amended) amendments acknowledged but \(audited) audit records") }
        if post.acks.isEmpty { failures.append("no register submission was acknowledged") }
        let tx = try await bench.timeWriteTransactions(count: min(100, regs.count)).sorted()
        say(
            String(
                format:
                    "  for the reading: one register's write transaction alone (Store.record of a whole PM register, in process, one at a time, "
                    + "%ld registers): median %.1f ms, p90 %.1f ms", tx.count, tx[tx.count / 2] * 1000, tx[tx.count * 9 / 10] * 1000))
        if !failures.isEmpty {
            for f in failures { say("  FAILED: \(f)") }
            throw ExitCode.failure
        }
    }

    /// One wrk run and what its script reported.
    struct WrkResult {
        var values: [String: String] = [:]
        var acks: [String: Int] = [:]
        var status: Int32 = 0
        var outputPath = ""
        /// Cores kept busy during the run, on average: this process (the servers), wrk, and everything else on the machine.
        var serverCores = 0.0, wrkCores = 0.0, otherCores = 0.0
        func int(_ k: String) -> Int { values[k].flatMap { Double($0) }.map { Int($0) } ?? 0 }
        func ms(_ k: String) -> Double { (values[k].flatMap { Double($0) } ?? 0) / 1000 }
        var seconds: Double { Double(int("duration_us")) / 1_000_000 }
        var rps: Double { Double(int("requests")) / max(seconds, 0.000_001) }
        var socketErrors: Int { ["connect", "read", "write", "timeout"].reduce(0) { $0 + int("errors_\($1)") } }
        var errorSummary: String { ["connect", "read", "write", "timeout"].map { "\($0) \(int("errors_\($0)"))" }.joined(separator: ", ") }
    }

    func wrkRun(_ wrkPath: String, url: String, seconds: Int, script: URL, dir: URL, name: String, env: [String: String]) async throws
        -> WrkResult
    {
        let out = dir.appendingPathComponent("\(name).out")
        let log = dir.appendingPathComponent("\(name).log")
        try? FileManager.default.removeItem(at: out)
        let before = CPUTimes.now()
        let status = try await runProcess(
            wrkPath,
            [
                "-t", String(threads), "-c", String(connections), "-d", "\(seconds)s", "--timeout", "30s",
                "--latency", "-s", script.path, url,
            ],
            env: env.merging(["ROLLBOOK_LOAD_OUT": out.path]) { $1 }, output: log)
        let after = CPUTimes.now()
        var r = WrkResult(status: status, outputPath: log.path)
        let wall = max(after.wall - before.wall, 0.001)
        r.serverCores = (after.process - before.process) / wall
        r.wrkCores = (after.children - before.children) / wall
        r.otherCores =
            max(0, (after.machineBusy - before.machineBusy) - (after.process - before.process) - (after.children - before.children)) / wall
        guard let text = try? String(contentsOf: out, encoding: .utf8) else {
            let wrkOutput = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw BenchLoadError(description: "wrk (\(name)) wrote no results; exit status \(status); its output:\n\(wrkOutput)")
        }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "ack" {
                let a = parts[1].split(separator: " ")
                if a.count == 2 { r.acks[String(a[0]), default: 0] += Int(a[1]) ?? 0 }
            } else {
                r.values[parts[0]] = parts[1]
            }
        }
        return r
    }

    /// CPU seconds from /proc: this process, its finished children (wrk), the whole machine (busy, all cores).
    struct CPUTimes {
        var wall: Double, process: Double, children: Double, machineBusy: Double
        static func now() -> CPUTimes {
            let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
            var process = 0.0
            var children = 0.0
            var busy = 0.0
            if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
                // After "pid (comm)": state is field 3; utime, stime, cutime, cstime are fields 14 to 17.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 14 {
                    process = ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / tick
                    children = ((Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0)) / tick
                }
            }
            if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first {
                // cpu user nice system idle iowait irq softirq steal ...
                let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
                if v.count >= 8 { busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick }
            }
            return CPUTimes(wall: Date().timeIntervalSince1970, process: process, children: children, machineBusy: busy)
        }
    }

    /// Runs a program to its end without holding a thread of the concurrency pool, its output to a file.
    func runProcess(_ path: String, _ arguments: [String], env: [String: String], output: URL) async throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int32, any Error>) in
            p.terminationHandler = { cont.resume(returning: $0.terminationStatus) }
            do { try p.run() } catch {
                p.terminationHandler = nil
                cont.resume(throwing: error)
            }
        }
    }

    func findExecutable(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// `wrk -v` prints its version on the first line (and exits 1).
    func wrkVersion(_ path: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["-v"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        guard (try? p.run()) != nil else { return "wrk" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let first = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "wrk"
        return first.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// The wrk script (LuaJIT). ROLLBOOK_LOAD_MODE: `get` (wrk's own GET of the URL), `get-paths` (GET of each line of
    /// ROLLBOOK_LOAD_PATHS in turn) or `registers` (POST of the prepared requests in ROLLBOOK_LOAD_BODIES, lines of
    /// `register<TAB>variant<TAB>path<TAB>json`). Each thread takes every n-th register and goes through its registers
    /// in turn, the next code variant on each pass: a register is never in flight twice, and each revisit changes marks.
    /// Every answer is counted; non-2xx ones are counted apart (with the first one's body), and for register submissions
    /// the created/amended/unchanged counts and the register (date and form) acknowledged are read from the answer.
    /// `done` writes the figures and the acknowledgements to ROLLBOOK_LOAD_OUT.
    static let lua = #"""
        local mode = os.getenv("ROLLBOOK_LOAD_MODE") or "get"
        local threads = {}

        function setup(thread)
           thread:set("tid", #threads)
           table.insert(threads, thread)
        end

        function init(args)
           responses = 0; non2xx = 0; created = 0; amended = 0; unchanged = 0
           acks = {}; first_error = ""
           reqs = {}; pos = 0
           local nthreads = tonumber(os.getenv("ROLLBOOK_LOAD_THREADS"))
           local headers = { ["Authorization"] = "Bearer " .. (os.getenv("ROLLBOOK_LOAD_TOKEN") or "") }
           if mode == "get-paths" then
              for line in io.lines(os.getenv("ROLLBOOK_LOAD_PATHS")) do
                 if line ~= "" then table.insert(reqs, wrk.format("GET", line, headers)) end
              end
           elseif mode == "registers" then
              headers["Content-Type"] = "application/json"
              for line in io.lines(os.getenv("ROLLBOOK_LOAD_BODIES")) do
                 local r, v, path, body = line:match("^(%d+)\t(%d+)\t([^\t]+)\t(.+)$")
                 if r then
                    r = tonumber(r); v = tonumber(v)
                    if r % nthreads == tid then
                       local slot = math.floor(r / nthreads) + 1
                       reqs[slot] = reqs[slot] or {}
                       reqs[slot][v + 1] = wrk.format("POST", path, headers, body)
                    end
                 end
              end
              variants = #reqs[1]
           end
        end

        if mode ~= "get" then
           function request()
              local n = #reqs
              local slot = pos % n + 1
              pos = pos + 1
              if mode == "registers" then
                 return reqs[slot][math.floor((pos - 1) / n) % variants + 1]
              end
              return reqs[slot]
           end
        end

        function response(status, headers, body)
           responses = responses + 1
           if status < 200 or status > 299 then
              non2xx = non2xx + 1
              if first_error == "" then first_error = status .. " " .. (string.gsub(string.sub(body or "", 1, 400), "%s+", " ")) end
              return
           end
           if mode == "registers" then
              created = created + (tonumber(string.match(body, '"created":%s*(%d+)')) or 0)
              amended = amended + (tonumber(string.match(body, '"amended":%s*(%d+)')) or 0)
              unchanged = unchanged + (tonumber(string.match(body, '"unchanged":%s*(%d+)')) or 0)
              local d = string.match(body, '"date":%s*"([^"]+)"')
              local g = string.match(body, '"group":%s*"form ([^"]+)"')
              if d and g then
                 local k = d .. "|" .. g
                 acks[k] = (acks[k] or 0) + 1
              end
           end
        end

        function done(summary, latency, requests)
           local out = assert(io.open(os.getenv("ROLLBOOK_LOAD_OUT"), "w"))
           local function put(k, v) out:write(k, " ", string.format("%.0f", v), "\n") end
           put("requests", summary.requests)
           put("duration_us", summary.duration)
           put("bytes", summary.bytes)
           put("errors_connect", summary.errors.connect)
           put("errors_read", summary.errors.read)
           put("errors_write", summary.errors.write)
           put("errors_status", summary.errors.status)
           put("errors_timeout", summary.errors.timeout)
           put("latency_p50_us", latency:percentile(50))
           put("latency_p90_us", latency:percentile(90))
           put("latency_p99_us", latency:percentile(99))
           put("latency_max_us", latency.max)
           put("latency_mean_us", latency.mean)
           local totals = { responses = 0, non2xx = 0, created = 0, amended = 0, unchanged = 0 }
           for _, t in ipairs(threads) do
              for k, _ in pairs(totals) do totals[k] = totals[k] + (t:get(k) or 0) end
              local e = t:get("first_error")
              if e and e ~= "" then out:write("first_error ", e, "\n") end
              local a = t:get("acks")
              if a then
                 for k, n in pairs(a) do out:write("ack ", k, " ", string.format("%d", n), "\n") end
              end
           end
           for k, v in pairs(totals) do put(k, v) end
           out:close()
        end
        """#
}
