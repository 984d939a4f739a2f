package redislimit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/redis/go-redis/v9"
)

// The proof with real processes: a fake Nexway enforcing its limit, and
// replicas that are separate processes (this test binary, run again in
// replica mode), each with a nexway.Client, offering far more than the
// limit together. With the limit shared through Redis the fake refuses
// nothing; with a limit per process it refuses many.

// replicaEnv holds a replica's settings (replicaConfig as JSON); set, the
// test binary runs as a replica instead of running tests.
const replicaEnv = "NEXWAY_TEST_REPLICA"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(replicaEnv); cfg != "" {
		os.Exit(runReplica(cfg, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// The fleet of TestReplicaProcesses.
const (
	replicas       = 4
	callersEach    = 4 // calls in flight per replica, each calling in a loop
	replicaRunTime = 5 * time.Second
	nexwayRate     = 10 // Nexway's limit, which the fake enforces
	nexwayBurst    = 10
	// sharedBurst is the shared limiter's burst: two requests under
	// Nexway's, room for a request that Redis admitted to reach Nexway up
	// to 200 ms later than a later one, relative to when Redis admitted
	// them (network, scheduling, a collection). With Nexway's own burst,
	// a run meets a 429 or two.
	sharedBurst = nexwayBurst - 2
)

// replicaConfig is what a replica process is told.
type replicaConfig struct {
	URL     string        // the fake's
	Redis   string        // Redis's address; "" for a limiter local to the process
	Key     string        // the shared limit's key
	Callers int           // calls in flight
	RunTime time.Duration // how long to call for, from the start signal
}

// replicaReport is what a replica process says it did, on its stdout.
type replicaReport struct {
	OK          int      // calls answered
	RateLimited int      // calls refused with a 429 (ErrRateLimited)
	Cut         int      // calls the end of the run stopped, in the limiter or in flight: one a caller
	Failed      int      // any other failure
	Errors      []string `json:",omitempty"` // the first few failures
}

// runReplica is a replica process: it builds its client, says "ready" on
// out, waits for in to close (the start signal, given to every replica at
// once), calls for cfg.RunTime, then writes its report on out.
func runReplica(cfgJSON string, in io.Reader, out io.Writer) int {
	var cfg replicaConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "replica config:", err)
		return 2
	}
	limit := nexway.WithRateLimit(nexwayRate, nexwayBurst)
	if cfg.Redis != "" {
		rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis})
		defer rdb.Close()
		// No fallback: a Redis failure is reported, not hidden behind a
		// local limit. A second per question, for a loaded machine.
		l, err := New(rdb, cfg.Key, WithRate(nexwayRate, sharedBurst), WithoutFallback(), WithRedisTimeout(time.Second))
		if err != nil {
			fmt.Fprintln(os.Stderr, "limiter:", err)
			return 2
		}
		limit = nexway.WithRateLimiter(l)
	}
	c, err := nexway.NewClient(nexway.WithBaseURL(cfg.URL), nexway.WithSecret(nexwaytest.Secret), limit,
		nexway.WithRetryPolicy(nexway.RetryPolicy{})) // no retries: every 429 is counted
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 2
	}
	defer c.CloseIdleConnections()
	fmt.Fprintln(out, "ready")
	if _, err := io.Copy(io.Discard, in); err != nil {
		fmt.Fprintln(os.Stderr, "start signal:", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), cfg.RunTime)
	defer cancel()
	var (
		mu  sync.Mutex
		rep replicaReport
		wg  sync.WaitGroup
	)
	for range cfg.Callers {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := c.Stock.Status(ctx, []nexway.ProductRef{733551})
				mu.Lock()
				switch {
				case err == nil:
					rep.OK++
				case errors.Is(err, nexway.ErrRateLimited):
					rep.RateLimited++
				case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
					// The end of the run, or a wait for the limiter that
					// would pass it: this caller is done.
					rep.Cut++
					mu.Unlock()
					return
				default:
					rep.Failed++
					if len(rep.Errors) < 5 {
						rep.Errors = append(rep.Errors, err.Error())
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := json.NewEncoder(out).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 2
	}
	return 0
}

// replicaProcess is a running replica.
type replicaProcess struct {
	cmd    *exec.Cmd
	start  io.WriteCloser // closed to start it
	out    *bufio.Reader
	stderr bytes.Buffer
}

// startReplica starts a replica process and returns once it is ready.
func startReplica(t *testing.T, cfg replicaConfig) *replicaProcess {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &replicaProcess{cmd: exec.Command(os.Args[0], "-test.run=^$")}
	p.cmd.Env = append(os.Environ(), replicaEnv+"="+string(raw))
	p.cmd.Stderr = &p.stderr
	if p.start, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.out = bufio.NewReader(stdout)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil { // the test failed before its end
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	if line, err := p.out.ReadString('\n'); line != "ready\n" {
		p.cmd.Wait()
		t.Fatalf("replica did not start: %q, %v\n%s", line, err, &p.stderr)
	}
	return p
}

// report reads the replica's report and waits for it to exit.
func (p *replicaProcess) report(t *testing.T) replicaReport {
	t.Helper()
	var rep replicaReport
	decodeErr := json.NewDecoder(p.out).Decode(&rep)
	if err := p.cmd.Wait(); err != nil || decodeErr != nil {
		t.Fatalf("replica: %v, report: %v\n%s", err, decodeErr, &p.stderr)
	}
	return rep
}

// fleetRun is what one run of the fleet did, as the fake saw it.
type fleetRun struct {
	sent, admitted, refused int
	worstSecond             int // the most admissions in any one-second window
	replicas                replicaReport
}

// runFleet starts a fake enforcing Nexway's limit and the replicas, starts
// them all at once, and collects what they and the fake report.
func runFleet(t *testing.T, redisAddr, key string) fleetRun {
	t.Helper()
	srv := nexwaytest.NewServer(t, nexwaytest.WithoutCredentials(), nexwaytest.WithEnforcedRateLimit(nexwayRate, nexwayBurst))
	cfg := replicaConfig{URL: srv.URL, Redis: redisAddr, Key: key, Callers: callersEach, RunTime: replicaRunTime}
	procs := make([]*replicaProcess, replicas)
	for i := range procs {
		procs[i] = startReplica(t, cfg)
	}
	for _, p := range procs {
		p.start.Close()
	}
	var run fleetRun
	for _, p := range procs {
		rep := p.report(t)
		run.replicas.OK += rep.OK
		run.replicas.RateLimited += rep.RateLimited
		run.replicas.Cut += rep.Cut
		run.replicas.Failed += rep.Failed
		run.replicas.Errors = append(run.replicas.Errors, rep.Errors...)
	}
	// Every replica has exited, so no request is left in flight.
	c := srv.Counts()[nexwaytest.RouteStock]
	run.sent, run.refused = c.Requests, c.RateLimited
	var admitted []time.Time
	for _, r := range srv.Requests() {
		if r.Route == nexwaytest.RouteStock && !r.RateLimited {
			admitted = append(admitted, r.WallTime)
		}
	}
	run.admitted = len(admitted)
	run.worstSecond = busiestSecond(admitted)
	if got := srv.RateLimited()[nexwaytest.Secret]; got != run.refused {
		t.Errorf("the fake counted %d refusals per secret, %d per route", got, run.refused)
	}
	return run
}

// busiestSecond returns the most times that fall in one window [t, t+1s),
// the window sliding over every time.
func busiestSecond(times []time.Time) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	worst, j := 0, 0
	for i := range times {
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		worst = max(worst, j-i)
	}
	return worst
}

func TestBusiestSecond(t *testing.T) {
	t0 := time.Now()
	at := func(ms ...int) []time.Time {
		var ts []time.Time
		for _, m := range ms {
			ts = append(ts, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return ts
	}
	for _, c := range []struct {
		times []time.Time
		want  int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 999), 2},
		{at(0, 1000), 1},
		{at(1500, 0, 600, 1100, 1200), 4}, // 600..1500, unsorted
	} {
		if got := busiestSecond(c.times); got != c.want {
			t.Errorf("busiestSecond(%v) = %d, want %d", c.times, got, c.want)
		}
	}
}

// Four replica processes, four calls in flight each, for five seconds,
// against a fake Nexway enforcing 10/s, burst 10. Sharing the limit in
// Redis, they meet no 429 and the fake admits at most rate + burst in any
// second. With a limit each, as replicas without Redis have, the control
// run meets 429s.
func TestReplicaProcesses(t *testing.T) {
	rdb := sharedRedis(t)
	limit := nexwayRate + nexwayBurst
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			addr, key := "", ""
			if shared {
				addr, key = rdb.Options().Addr, testKey(t, rdb)
			}
			run := runFleet(t, addr, key)
			t.Logf("%d processes × %d callers for %v: %d requests sent, %d admitted, %d refused with 429; busiest second %d (limit %d); replicas: %d answered, %d rate-limited, %d cut at the end, %d failed",
				replicas, callersEach, replicaRunTime, run.sent, run.admitted, run.refused, run.worstSecond, limit,
				run.replicas.OK, run.replicas.RateLimited, run.replicas.Cut, run.replicas.Failed)
			if run.replicas.Failed > 0 {
				t.Fatalf("%d calls failed: %s", run.replicas.Failed, strings.Join(run.replicas.Errors, "; "))
			}
			if run.replicas.OK > run.admitted || run.replicas.RateLimited > run.refused {
				t.Errorf("the replicas report more answers than the fake gave")
			}
			if run.worstSecond > limit {
				t.Errorf("the fake admitted %d requests in one second, more than rate + burst = %d", run.worstSecond, limit)
			}
			switch {
			case run.admitted <= nexwayBurst:
				t.Errorf("only %d requests admitted: the run never went past the burst", run.admitted)
			case shared && run.refused > 0:
				t.Errorf("the fake refused %d requests of replicas sharing the limit", run.refused)
			case !shared && run.refused == 0:
				t.Errorf("replicas with a limit each met no 429: the fleet did not offer more than the limit, the check cannot fail")
			}
		})
	}
}
