// Command pusher pushes a fixed set of metrics to a Pushgateway with the official Go client
// (github.com/prometheus/client_golang/prometheus/push), as a batch job would: the tests of
// kubedump's metrics gateway use it for pushes "by the Go client", in its default delimited
// protocol buffer format or in the text format.
//
//	pusher -url http://127.0.0.1:9091 -job backup -grouping instance=a -metrics counter,histogram -method put
//
// Every value is fixed (see the kinds below), so a test knows what a scrape must show. It exits 1
// with the client's error (which holds the gateway's status and answer) when the push fails.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"
)

// The observations every histogram and summary gets.
var observations = []float64{0.05, 0.5, 5, 50}

type groupingFlag [][2]string

func (g *groupingFlag) String() string { return fmt.Sprint(*g) }

func (g *groupingFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("grouping %q is not name=value", v)
	}
	*g = append(*g, [2]string{name, value})
	return nil
}

func main() {
	var grouping groupingFlag
	url := flag.String("url", "", "the gateway's URL (required)")
	job := flag.String("job", "", "the job name (required)")
	flag.Var(&grouping, "grouping", "a grouping label name=value (repeatable)")
	kinds := flag.String("metrics", "counter,gauge", "comma-separated kinds: counter, counter-vec, gauge, untyped, histogram, native-histogram, summary, timestamped-gauge")
	prefix := flag.String("prefix", "gopush", "prefix of every metric name")
	method := flag.String("method", "put", "put (Push), post (Add) or delete (Delete)")
	format := flag.String("format", "protobuf", "protobuf (the client's default) or text")
	token := flag.String("token", "", "a bearer token to send")
	flag.Parse()
	if err := run(*url, *job, grouping, *kinds, *prefix, *method, *format, *token); err != nil {
		fmt.Fprintln(os.Stderr, "pusher:", err)
		os.Exit(1)
	}
}

func run(url, job string, grouping groupingFlag, kinds, prefix, method, format, token string) error {
	if url == "" || job == "" {
		return errors.New("-url and -job are required")
	}
	p := push.New(url, job)
	for _, g := range grouping {
		p = p.Grouping(g[0], g[1])
	}
	switch format {
	case "protobuf":
	case "text":
		p = p.Format(expfmt.NewFormat(expfmt.TypeTextPlain))
	default:
		return fmt.Errorf("unknown -format %q", format)
	}
	if token != "" {
		p = p.Header(http.Header{"Authorization": []string{"Bearer " + token}})
	}
	if method == "delete" {
		return p.Delete()
	}
	for _, kind := range strings.Split(kinds, ",") {
		c, err := collector(prefix, strings.TrimSpace(kind))
		if err != nil {
			return err
		}
		p = p.Collector(c)
	}
	switch method {
	case "put":
		return p.Push()
	case "post":
		return p.Add()
	default:
		return fmt.Errorf("unknown -method %q", method)
	}
}

// collector builds one kind of metric with its fixed values.
func collector(prefix, kind string) (prometheus.Collector, error) {
	name := prefix + "_" + strings.ReplaceAll(kind, "-", "_")
	help := "A " + kind + " pushed by the Go client."
	switch kind {
	case "counter":
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name + "_total", Help: help})
		c.Add(42)
		return c, nil
	case "counter-vec":
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name + "_total", Help: help}, []string{"code"})
		c.WithLabelValues("200").Add(7)
		c.WithLabelValues("500").Add(1)
		return c, nil
	case "gauge":
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(3.25)
		return g, nil
	case "timestamped-gauge": // a Pushgateway refuses it: pushed metrics must not carry timestamps
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(1)
		return timestamped{g}, nil
	case "untyped":
		return prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: name, Help: help}, func() float64 { return -1.5 }), nil
	case "histogram", "native-histogram":
		opts := prometheus.HistogramOpts{Name: name + "_seconds", Help: help, Buckets: []float64{0.1, 1, 10}}
		if kind == "native-histogram" {
			opts.Buckets = nil
			opts.NativeHistogramBucketFactor = 1.1
		}
		h := prometheus.NewHistogram(opts)
		for _, v := range observations {
			h.Observe(v)
		}
		return h, nil
	case "summary":
		s := prometheus.NewSummary(prometheus.SummaryOpts{
			Name: name + "_seconds", Help: help, Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01},
		})
		for _, v := range observations {
			s.Observe(v)
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown metric kind %q", kind)
}

// timestamped gives each metric of a collector the timestamp 2025-01-01T00:00:00Z.
type timestamped struct{ prometheus.Collector }

func (t timestamped) Collect(ch chan<- prometheus.Metric) {
	inner := make(chan prometheus.Metric)
	go func() {
		t.Collector.Collect(inner)
		close(inner)
	}()
	for m := range inner {
		ch <- prometheus.NewMetricWithTimestamp(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), m)
	}
}
