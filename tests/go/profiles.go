// profiles writes real Go runtime profiles (cpu, heap, heap0, allocs, block,
// mutex, goroutine, threadcreate) into the directory given as its argument, for
// cprof's report parity tests (tests/integration/report_*.sh).  Standard
// library only; the workloads are small, named functions so the reports have
// a few dozen distinct rows with inlining, recursion and shared callees.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"
)

var sink interface{}

//go:noinline
func hashLoop(n int) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 1099511628211
	}
	return h
}

func mix(x uint64) uint64 { return x*31 + 7 } // inlined

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func sortWork(n int) {
	s := make([]int, n)
	for i := range s {
		s[i] = int(mix(uint64(i*7919)) % 100003)
	}
	sort.Ints(s)
	sink = s
}

//go:noinline
func stringWork(n int) {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,", i)
	}
	sink = b.String()
}

//go:noinline
func cpuA(deadline time.Time) {
	for time.Now().Before(deadline) {
		sink = hashLoop(200000)
		sink = fib(18)
	}
}

//go:noinline
func cpuB(deadline time.Time) {
	for time.Now().Before(deadline) {
		sortWork(20000)
		stringWork(2000)
	}
}

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 64)
	}
}

//go:noinline
func allocBig(n int) [][]byte {
	var keep [][]byte
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 256<<10))
	}
	return keep
}

var retained [][]byte

//go:noinline
func allocKeep(n int) {
	for i := 0; i < n; i++ {
		retained = append(retained, make([]byte, 4096+i%7*512))
	}
}

//go:noinline
func blockChan(n int) {
	ch := make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			time.Sleep(200 * time.Microsecond)
			ch <- i
		}
		close(ch)
	}()
	for range ch {
	}
}

//go:noinline
func lockContend(n int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				mu.Lock()
				time.Sleep(20 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

//go:noinline
func parked(wg *sync.WaitGroup, stop chan struct{}) {
	wg.Done()
	<-stop
}

func write(dir, name string, f func(*os.File) error) {
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out.Close()
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: profiles DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	runtime.MemProfileRate = 4096
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)

	cpu, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pprof.StartCPUProfile(cpu)
	var wg sync.WaitGroup
	deadline := time.Now().Add(1200 * time.Millisecond)
	wg.Add(2)
	go func() {
		defer wg.Done()
		pprof.Do(context.Background(), pprof.Labels("worker", "a"), func(context.Context) { cpuA(deadline) })
	}()
	go func() {
		defer wg.Done()
		pprof.Do(context.Background(), pprof.Labels("worker", "b"), func(context.Context) { cpuB(deadline) })
	}()
	wg.Wait()
	pprof.StopCPUProfile()
	cpu.Close()

	allocSmall(20000)
	allocKeep(500)
	runtime.GC()
	// heap0: an earlier heap profile, the -base of the final one.
	write(dir, "heap0.pb.gz", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	big := allocBig(20)
	allocKeep(3000)
	blockChan(200)
	lockContend(100)
	sink = big

	stop := make(chan struct{})
	var pw sync.WaitGroup
	for i := 0; i < 5; i++ {
		pw.Add(1)
		go parked(&pw, stop)
	}
	pw.Wait()
	runtime.GC()

	for _, name := range []string{"heap", "allocs", "block", "mutex", "goroutine", "threadcreate"} {
		write(dir, name+".pb.gz", func(f *os.File) error {
			return pprof.Lookup(name).WriteTo(f, 0)
		})
	}
	close(stop)
}
