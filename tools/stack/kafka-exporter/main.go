// Command imageflow-kafka-exporter exports Kafka topic offsets and consumer
// group lag in the Prometheus text format, with the metric names and labels of
// danielqsj/kafka_exporter (kafka_consumergroup_lag{consumergroup,topic,partition},
// kafka_topic_partition_current_offset{topic,partition}, ...), so dashboards and
// alert rules written for kafka_exporter work unchanged.
//
// It exists because neither danielqsj/kafka_exporter nor KMinion is served by
// the Go module proxy this project may use; it is built from maintained
// libraries instead: twmb/franz-go (kadm admin client) and
// prometheus/client_golang. See tools/stack/README.md.
//
// Every scrape queries Kafka afresh (no caching), like kafka_exporter.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	descBrokers = prometheus.NewDesc("kafka_brokers",
		"Number of brokers in the Kafka cluster.", nil, nil)
	descTopicPartitions = prometheus.NewDesc("kafka_topic_partitions",
		"Number of partitions of a topic.", []string{"topic"}, nil)
	descCurrentOffset = prometheus.NewDesc("kafka_topic_partition_current_offset",
		"Current (end / high watermark) offset of a topic partition.", []string{"topic", "partition"}, nil)
	descOldestOffset = prometheus.NewDesc("kafka_topic_partition_oldest_offset",
		"Oldest (start) offset of a topic partition.", []string{"topic", "partition"}, nil)
	descGroupOffset = prometheus.NewDesc("kafka_consumergroup_current_offset",
		"Committed offset of a consumer group in a topic partition.", []string{"consumergroup", "topic", "partition"}, nil)
	descGroupOffsetSum = prometheus.NewDesc("kafka_consumergroup_current_offset_sum",
		"Sum of the committed offsets of a consumer group over the partitions of a topic.", []string{"consumergroup", "topic"}, nil)
	descGroupLag = prometheus.NewDesc("kafka_consumergroup_lag",
		"Lag of a consumer group in a topic partition: current offset minus committed offset.", []string{"consumergroup", "topic", "partition"}, nil)
	descGroupLagSum = prometheus.NewDesc("kafka_consumergroup_lag_sum",
		"Lag of a consumer group summed over the partitions of a topic.", []string{"consumergroup", "topic"}, nil)
	descGroupMembers = prometheus.NewDesc("kafka_consumergroup_members",
		"Number of members of a (classic protocol) consumer group.", []string{"consumergroup"}, nil)
	descScrapeOK = prometheus.NewDesc("kafka_exporter_scrape_success",
		"1 if the last query of Kafka succeeded completely, 0 otherwise.", nil, nil)
	descScrapeDuration = prometheus.NewDesc("kafka_exporter_scrape_duration_seconds",
		"Time the last query of Kafka took.", nil, nil)
)

type exporter struct {
	adm         *kadm.Client
	timeout     time.Duration
	topicFilter *regexp.Regexp
	groupFilter *regexp.Regexp
	log         *slog.Logger
	mu          sync.Mutex // one Kafka query at a time
}

func (e *exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBrokers, descTopicPartitions, descCurrentOffset, descOldestOffset,
		descGroupOffset, descGroupOffsetSum, descGroupLag, descGroupLagSum, descGroupMembers, descScrapeOK, descScrapeDuration} {
		ch <- d
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func (e *exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	defer e.mu.Unlock()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	err := e.collect(ctx, ch)
	ok := 1.0
	if err != nil {
		ok = 0
		e.log.Warn("kafka query failed", "err", err)
	}
	gauge(ch, descScrapeOK, ok)
	gauge(ch, descScrapeDuration, time.Since(start).Seconds())
}

func (e *exporter) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	var errs []error

	brokers, err := e.adm.ListBrokers(ctx)
	if err != nil {
		return fmt.Errorf("list brokers: %w", err)
	}
	gauge(ch, descBrokers, float64(len(brokers)))

	topics, err := e.adm.ListTopics(ctx) // internal topics are left out
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var names []string
	for _, t := range topics {
		if t.Err != nil || !e.topicFilter.MatchString(t.Topic) {
			continue
		}
		names = append(names, t.Topic)
		gauge(ch, descTopicPartitions, float64(len(t.Partitions)), t.Topic)
	}

	var ends kadm.ListedOffsets
	if len(names) > 0 {
		ends, err = e.adm.ListEndOffsets(ctx, names...)
		if err != nil {
			return fmt.Errorf("list end offsets: %w", err)
		}
		ends.Each(func(o kadm.ListedOffset) {
			if o.Err == nil && o.Offset >= 0 {
				gauge(ch, descCurrentOffset, float64(o.Offset), o.Topic, strconv.Itoa(int(o.Partition)))
			}
		})
		starts, err := e.adm.ListStartOffsets(ctx, names...)
		if err != nil {
			errs = append(errs, fmt.Errorf("list start offsets: %w", err))
		} else {
			starts.Each(func(o kadm.ListedOffset) {
				if o.Err == nil && o.Offset >= 0 {
					gauge(ch, descOldestOffset, float64(o.Offset), o.Topic, strconv.Itoa(int(o.Partition)))
				}
			})
		}
	}

	listed, err := e.adm.ListGroups(ctx)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("list groups: %w", err))...)
	}
	var groups []string
	for _, g := range listed.Groups() {
		if e.groupFilter.MatchString(g) {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return errors.Join(errs...)
	}

	// Members: classic-protocol groups only (DescribeGroups); others are skipped.
	if described, err := e.adm.DescribeGroups(ctx, groups...); err == nil {
		for _, g := range described {
			if g.Err == nil && g.State != "Dead" {
				gauge(ch, descGroupMembers, float64(len(g.Members)), g.Group)
			}
		}
	}

	for _, fetched := range e.adm.FetchManyOffsets(ctx, groups...) {
		if fetched.Err != nil {
			errs = append(errs, fmt.Errorf("fetch offsets of group %s: %w", fetched.Group, fetched.Err))
			continue
		}
		for topic, parts := range fetched.Fetched {
			if !e.topicFilter.MatchString(topic) {
				continue
			}
			var offsetSum, lagSum int64
			var any bool
			for p, o := range parts {
				if o.Err != nil || o.At < 0 { // -1: nothing committed for this partition
					continue
				}
				part := strconv.Itoa(int(p))
				gauge(ch, descGroupOffset, float64(o.At), fetched.Group, topic, part)
				offsetSum += o.At
				any = true
				end, ok := ends.Lookup(topic, p)
				if !ok || end.Err != nil || end.Offset < 0 {
					continue // e.g. the topic was deleted
				}
				lag := max(end.Offset-o.At, 0)
				lagSum += lag
				gauge(ch, descGroupLag, float64(lag), fetched.Group, topic, part)
			}
			if any {
				gauge(ch, descGroupOffsetSum, float64(offsetSum), fetched.Group, topic)
				gauge(ch, descGroupLagSum, float64(lagSum), fetched.Group, topic)
			}
		}
	}
	return errors.Join(errs...)
}

type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

func main() {
	var servers stringList
	flag.Var(&servers, "kafka.server", "Kafka bootstrap address host:port (repeatable or comma-separated; default 127.0.0.1:9092)")
	listen := flag.String("web.listen-address", "127.0.0.1:9308", "address to serve metrics on")
	path := flag.String("web.telemetry-path", "/metrics", "path of the metrics endpoint")
	topicFilter := flag.String("topic.filter", ".*", "regex of the topics to export")
	groupFilter := flag.String("group.filter", ".*", "regex of the consumer groups to export")
	timeout := flag.Duration("kafka.timeout", 10*time.Second, "time limit of one Kafka query (per scrape)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if len(servers) == 0 {
		servers = stringList{"127.0.0.1:9092"}
	}
	tre, err := regexp.Compile("^(?:" + *topicFilter + ")$")
	if err != nil {
		log.Error("bad --topic.filter", "err", err)
		os.Exit(2)
	}
	gre, err := regexp.Compile("^(?:" + *groupFilter + ")$")
	if err != nil {
		log.Error("bad --group.filter", "err", err)
		os.Exit(2)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(servers...), kgo.ClientID("imageflow-kafka-exporter"))
	if err != nil {
		log.Error("kafka client", "err", err)
		os.Exit(1)
	}
	defer cl.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(&exporter{adm: kadm.NewClient(cl), timeout: *timeout, topicFilter: tre, groupFilter: gre, log: log})

	mux := http.NewServeMux()
	mux.Handle(*path, promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	log.Info("listening", "address", *listen, "path", *path, "kafka", servers.String())
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
