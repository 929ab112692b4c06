// go_pprof_server.go — a Go server with net/http/pprof and nothing else
// (no /metrics): what `cprof web http://HOST:PORT/` meets on a Go program
// (tests/integration/live.sh).  Burns CPU in hotGo, prints its address.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

var sink uint64

//go:noinline
func hotGo() {
	for i := uint64(0); i < 1000000; i++ {
		sink += i * 7
	}
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "serving http://%s/debug/pprof/\n", ln.Addr())
	go func() {
		for {
			hotGo()
		}
	}()
	http.Serve(ln, nil)
}
