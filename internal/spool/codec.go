package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// formatVersion is the version of the document layout; Decode refuses
// others.
const formatVersion = 1

// ErrFormat is wrapped by the errors of [Decode] for a document it cannot
// read.
var ErrFormat = errors.New("spool: unreadable document")

type document struct {
	Version  int             `json:"version"`
	Resource resourceDoc     `json:"resource"`
	Scopes   []scopeMetricsD `json:"scopes"`
}

type resourceDoc struct {
	SchemaURL  string  `json:"schema_url,omitempty"`
	Attributes []kvDoc `json:"attributes,omitempty"`
}

type scopeMetricsD struct {
	Name       string      `json:"name"`
	Version    string      `json:"version,omitempty"`
	SchemaURL  string      `json:"schema_url,omitempty"`
	Attributes []kvDoc     `json:"attributes,omitempty"`
	Metrics    []metricDoc `json:"metrics"`
}

// Aggregation kinds of metricDoc.Kind.
const (
	kindGaugeInt     = "gauge_int64"
	kindGaugeFloat   = "gauge_float64"
	kindSumInt       = "sum_int64"
	kindSumFloat     = "sum_float64"
	kindHistInt      = "histogram_int64"
	kindHistFloat    = "histogram_float64"
	kindExpHistInt   = "exponential_histogram_int64"
	kindExpHistFloat = "exponential_histogram_float64"
	kindSummary      = "summary"
)

type metricDoc struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Unit        string     `json:"unit,omitempty"`
	Kind        string     `json:"kind"`
	Temporality uint8      `json:"temporality,omitempty"`
	Monotonic   bool       `json:"monotonic,omitempty"`
	Points      []pointDoc `json:"points"`
}

// pointDoc holds a data point of any kind; the fields a kind has not are
// left empty.
type pointDoc struct {
	Attributes []kvDoc   `json:"attributes,omitempty"`
	Start      time.Time `json:"start"`
	Time       time.Time `json:"time"`
	// Value of gauges and sums, Sum of histograms and summaries.
	Value number `json:"value"`
	// Histograms and summaries.
	Count        uint64   `json:"count,omitempty"`
	Bounds       []number `json:"bounds,omitempty"`
	BucketCounts []uint64 `json:"bucket_counts,omitempty"`
	Min          *number  `json:"min,omitempty"`
	Max          *number  `json:"max,omitempty"`
	// Exponential histograms.
	Scale         int32     `json:"scale,omitempty"`
	ZeroCount     uint64    `json:"zero_count,omitempty"`
	ZeroThreshold number    `json:"zero_threshold,omitempty"`
	Positive      bucketDoc `json:"positive,omitzero"`
	Negative      bucketDoc `json:"negative,omitzero"`
	// Summaries.
	Quantiles []quantileDoc `json:"quantiles,omitempty"`
}

type bucketDoc struct {
	Offset int32    `json:"offset,omitempty"`
	Counts []uint64 `json:"counts,omitempty"`
}

type quantileDoc struct {
	Quantile number `json:"q"`
	Value    number `json:"v"`
}

// number is a float64 or int64 value kept exactly: integers as JSON
// integers, finite floats as JSON numbers, NaN and infinities as strings.
type number struct {
	f     float64
	i     int64
	isInt bool
}

func intNum(i int64) number     { return number{i: i, isInt: true} }
func floatNum(f float64) number { return number{f: f} }

func (n number) MarshalJSON() ([]byte, error) {
	switch {
	case n.isInt:
		return strconv.AppendInt(nil, n.i, 10), nil
	case math.IsNaN(n.f):
		return []byte(`"NaN"`), nil
	case math.IsInf(n.f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(n.f, -1):
		return []byte(`"-Inf"`), nil
	}
	// A float that looks like an integer keeps a decimal point, so that it
	// decodes as a float.
	b := strconv.AppendFloat(nil, n.f, 'g', -1, 64)
	for _, c := range b {
		if c == '.' || c == 'e' || c == 'E' {
			return b, nil
		}
	}
	return append(b, ".0"...), nil
}

func (n *number) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*n = floatNum(math.NaN())
		case "+Inf":
			*n = floatNum(math.Inf(1))
		case "-Inf":
			*n = floatNum(math.Inf(-1))
		default:
			return fmt.Errorf("%w: number %q", ErrFormat, s)
		}
		return nil
	}
	s = string(b)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = intNum(i)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%w: number %q", ErrFormat, s)
	}
	*n = floatNum(f)
	return nil
}

func (n number) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

func (n number) int() int64 {
	if n.isInt {
		return n.i
	}
	return int64(n.f)
}

// kvDoc is one attribute; Value carries its type.
type kvDoc struct {
	Key   string   `json:"k"`
	Value valueDoc `json:"v"`
}

type valueDoc struct {
	Type    string     `json:"t"`
	Bool    bool       `json:"b,omitempty"`
	Number  *number    `json:"n,omitempty"`
	String  string     `json:"s,omitempty"`
	Bools   []bool     `json:"bs,omitempty"`
	Numbers []number   `json:"ns,omitempty"`
	Strings []string   `json:"ss,omitempty"`
	Bytes   []byte     `json:"by,omitempty"`
	Values  []valueDoc `json:"vs,omitempty"`
	Map     []kvDoc    `json:"m,omitempty"`
}

// Encode returns rm as a JSON document that [Decode] reads back. Exemplars
// are dropped.
func Encode(rm *metricdata.ResourceMetrics) ([]byte, error) {
	doc := document{Version: formatVersion}
	if rm.Resource != nil {
		doc.Resource = resourceDoc{SchemaURL: rm.Resource.SchemaURL(), Attributes: encodeKVs(rm.Resource.Attributes())}
	}
	for _, sm := range rm.ScopeMetrics {
		sd := scopeMetricsD{
			Name:       sm.Scope.Name,
			Version:    sm.Scope.Version,
			SchemaURL:  sm.Scope.SchemaURL,
			Attributes: encodeKVs(sm.Scope.Attributes.ToSlice()),
			Metrics:    make([]metricDoc, 0, len(sm.Metrics)),
		}
		for _, m := range sm.Metrics {
			md, err := encodeMetric(m)
			if err != nil {
				return nil, err
			}
			sd.Metrics = append(sd.Metrics, md)
		}
		doc.Scopes = append(doc.Scopes, sd)
	}
	return json.Marshal(doc)
}

func encodeMetric(m metricdata.Metrics) (metricDoc, error) {
	md := metricDoc{Name: m.Name, Description: m.Description, Unit: m.Unit}
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		md.Kind, md.Points = kindGaugeInt, encodePoints(d.DataPoints, intNum)
	case metricdata.Gauge[float64]:
		md.Kind, md.Points = kindGaugeFloat, encodePoints(d.DataPoints, floatNum)
	case metricdata.Sum[int64]:
		md.Kind, md.Points = kindSumInt, encodePoints(d.DataPoints, intNum)
		md.Temporality, md.Monotonic = uint8(d.Temporality), d.IsMonotonic
	case metricdata.Sum[float64]:
		md.Kind, md.Points = kindSumFloat, encodePoints(d.DataPoints, floatNum)
		md.Temporality, md.Monotonic = uint8(d.Temporality), d.IsMonotonic
	case metricdata.Histogram[int64]:
		md.Kind, md.Points = kindHistInt, encodeHistograms(d.DataPoints, intNum)
		md.Temporality = uint8(d.Temporality)
	case metricdata.Histogram[float64]:
		md.Kind, md.Points = kindHistFloat, encodeHistograms(d.DataPoints, floatNum)
		md.Temporality = uint8(d.Temporality)
	case metricdata.ExponentialHistogram[int64]:
		md.Kind, md.Points = kindExpHistInt, encodeExpHistograms(d.DataPoints, intNum)
		md.Temporality = uint8(d.Temporality)
	case metricdata.ExponentialHistogram[float64]:
		md.Kind, md.Points = kindExpHistFloat, encodeExpHistograms(d.DataPoints, floatNum)
		md.Temporality = uint8(d.Temporality)
	case metricdata.Summary:
		md.Kind, md.Points = kindSummary, encodeSummaries(d.DataPoints)
	default:
		return md, fmt.Errorf("spool: metric %q: unsupported aggregation %T", m.Name, m.Data)
	}
	return md, nil
}

func encodePoints[N int64 | float64](dps []metricdata.DataPoint[N], num func(N) number) []pointDoc {
	out := make([]pointDoc, len(dps))
	for i, dp := range dps {
		out[i] = pointDoc{Attributes: encodeKVs(dp.Attributes.ToSlice()), Start: dp.StartTime, Time: dp.Time, Value: num(dp.Value)}
	}
	return out
}

func encodeExtrema[N int64 | float64](e metricdata.Extrema[N], num func(N) number) *number {
	v, ok := e.Value()
	if !ok {
		return nil
	}
	n := num(v)
	return &n
}

func encodeHistograms[N int64 | float64](dps []metricdata.HistogramDataPoint[N], num func(N) number) []pointDoc {
	out := make([]pointDoc, len(dps))
	for i, dp := range dps {
		bounds := make([]number, len(dp.Bounds))
		for j, b := range dp.Bounds {
			bounds[j] = floatNum(b)
		}
		out[i] = pointDoc{
			Attributes: encodeKVs(dp.Attributes.ToSlice()), Start: dp.StartTime, Time: dp.Time,
			Value: num(dp.Sum), Count: dp.Count, Bounds: bounds, BucketCounts: dp.BucketCounts,
			Min: encodeExtrema(dp.Min, num), Max: encodeExtrema(dp.Max, num),
		}
	}
	return out
}

func encodeExpHistograms[N int64 | float64](dps []metricdata.ExponentialHistogramDataPoint[N], num func(N) number) []pointDoc {
	out := make([]pointDoc, len(dps))
	for i, dp := range dps {
		out[i] = pointDoc{
			Attributes: encodeKVs(dp.Attributes.ToSlice()), Start: dp.StartTime, Time: dp.Time,
			Value: num(dp.Sum), Count: dp.Count,
			Min: encodeExtrema(dp.Min, num), Max: encodeExtrema(dp.Max, num),
			Scale: dp.Scale, ZeroCount: dp.ZeroCount, ZeroThreshold: floatNum(dp.ZeroThreshold),
			Positive: bucketDoc{Offset: dp.PositiveBucket.Offset, Counts: dp.PositiveBucket.Counts},
			Negative: bucketDoc{Offset: dp.NegativeBucket.Offset, Counts: dp.NegativeBucket.Counts},
		}
	}
	return out
}

func encodeSummaries(dps []metricdata.SummaryDataPoint) []pointDoc {
	out := make([]pointDoc, len(dps))
	for i, dp := range dps {
		qs := make([]quantileDoc, len(dp.QuantileValues))
		for j, q := range dp.QuantileValues {
			qs[j] = quantileDoc{Quantile: floatNum(q.Quantile), Value: floatNum(q.Value)}
		}
		out[i] = pointDoc{
			Attributes: encodeKVs(dp.Attributes.ToSlice()), Start: dp.StartTime, Time: dp.Time,
			Value: floatNum(dp.Sum), Count: dp.Count, Quantiles: qs,
		}
	}
	return out
}

func encodeKVs(kvs []attribute.KeyValue) []kvDoc {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]kvDoc, len(kvs))
	for i, kv := range kvs {
		out[i] = kvDoc{Key: string(kv.Key), Value: encodeValue(kv.Value)}
	}
	return out
}

func encodeValue(v attribute.Value) valueDoc {
	d := valueDoc{Type: v.Type().String()}
	switch v.Type() {
	case attribute.BOOL:
		d.Bool = v.AsBool()
	case attribute.INT64:
		n := intNum(v.AsInt64())
		d.Number = &n
	case attribute.FLOAT64:
		n := floatNum(v.AsFloat64())
		d.Number = &n
	case attribute.STRING:
		d.String = v.AsString()
	case attribute.BOOLSLICE:
		d.Bools = v.AsBoolSlice()
	case attribute.INT64SLICE:
		for _, i := range v.AsInt64Slice() {
			d.Numbers = append(d.Numbers, intNum(i))
		}
	case attribute.FLOAT64SLICE:
		for _, f := range v.AsFloat64Slice() {
			d.Numbers = append(d.Numbers, floatNum(f))
		}
	case attribute.STRINGSLICE:
		d.Strings = v.AsStringSlice()
	case attribute.BYTESLICE:
		d.Bytes = v.AsByteSlice()
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			d.Values = append(d.Values, encodeValue(e))
		}
	case attribute.MAP:
		d.Map = encodeKVs(v.AsMap())
	}
	return d
}

// Decode reads a document written by [Encode]. Errors wrap [ErrFormat].
func Decode(b []byte) (*metricdata.ResourceMetrics, error) {
	var doc document
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if doc.Version != formatVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrFormat, doc.Version, formatVersion)
	}
	rm := &metricdata.ResourceMetrics{
		Resource: resource.NewWithAttributes(doc.Resource.SchemaURL, decodeKVs(doc.Resource.Attributes)...),
	}
	for _, sd := range doc.Scopes {
		sm := metricdata.ScopeMetrics{Scope: instrumentation.Scope{
			Name:       sd.Name,
			Version:    sd.Version,
			SchemaURL:  sd.SchemaURL,
			Attributes: attribute.NewSet(decodeKVs(sd.Attributes)...),
		}}
		for _, md := range sd.Metrics {
			m, err := decodeMetric(md)
			if err != nil {
				return nil, err
			}
			sm.Metrics = append(sm.Metrics, m)
		}
		rm.ScopeMetrics = append(rm.ScopeMetrics, sm)
	}
	return rm, nil
}

func decodeMetric(md metricDoc) (metricdata.Metrics, error) {
	m := metricdata.Metrics{Name: md.Name, Description: md.Description, Unit: md.Unit}
	temp := metricdata.Temporality(md.Temporality)
	switch md.Kind {
	case kindGaugeInt:
		m.Data = metricdata.Gauge[int64]{DataPoints: decodePoints(md.Points, number.int)}
	case kindGaugeFloat:
		m.Data = metricdata.Gauge[float64]{DataPoints: decodePoints(md.Points, number.float)}
	case kindSumInt:
		m.Data = metricdata.Sum[int64]{DataPoints: decodePoints(md.Points, number.int), Temporality: temp, IsMonotonic: md.Monotonic}
	case kindSumFloat:
		m.Data = metricdata.Sum[float64]{DataPoints: decodePoints(md.Points, number.float), Temporality: temp, IsMonotonic: md.Monotonic}
	case kindHistInt:
		m.Data = metricdata.Histogram[int64]{DataPoints: decodeHistograms(md.Points, number.int), Temporality: temp}
	case kindHistFloat:
		m.Data = metricdata.Histogram[float64]{DataPoints: decodeHistograms(md.Points, number.float), Temporality: temp}
	case kindExpHistInt:
		m.Data = metricdata.ExponentialHistogram[int64]{DataPoints: decodeExpHistograms(md.Points, number.int), Temporality: temp}
	case kindExpHistFloat:
		m.Data = metricdata.ExponentialHistogram[float64]{DataPoints: decodeExpHistograms(md.Points, number.float), Temporality: temp}
	case kindSummary:
		m.Data = metricdata.Summary{DataPoints: decodeSummaries(md.Points)}
	default:
		return m, fmt.Errorf("%w: metric %q: kind %q", ErrFormat, md.Name, md.Kind)
	}
	return m, nil
}

func decodePoints[N int64 | float64](ps []pointDoc, val func(number) N) []metricdata.DataPoint[N] {
	out := make([]metricdata.DataPoint[N], len(ps))
	for i, p := range ps {
		out[i] = metricdata.DataPoint[N]{Attributes: attribute.NewSet(decodeKVs(p.Attributes)...), StartTime: p.Start, Time: p.Time, Value: val(p.Value)}
	}
	return out
}

func decodeExtrema[N int64 | float64](n *number, val func(number) N) metricdata.Extrema[N] {
	if n == nil {
		return metricdata.Extrema[N]{}
	}
	return metricdata.NewExtrema(val(*n))
}

func decodeHistograms[N int64 | float64](ps []pointDoc, val func(number) N) []metricdata.HistogramDataPoint[N] {
	out := make([]metricdata.HistogramDataPoint[N], len(ps))
	for i, p := range ps {
		bounds := make([]float64, len(p.Bounds))
		for j, b := range p.Bounds {
			bounds[j] = b.float()
		}
		out[i] = metricdata.HistogramDataPoint[N]{
			Attributes: attribute.NewSet(decodeKVs(p.Attributes)...), StartTime: p.Start, Time: p.Time,
			Count: p.Count, Bounds: bounds, BucketCounts: p.BucketCounts, Sum: val(p.Value),
			Min: decodeExtrema(p.Min, val), Max: decodeExtrema(p.Max, val),
		}
	}
	return out
}

func decodeExpHistograms[N int64 | float64](ps []pointDoc, val func(number) N) []metricdata.ExponentialHistogramDataPoint[N] {
	out := make([]metricdata.ExponentialHistogramDataPoint[N], len(ps))
	for i, p := range ps {
		out[i] = metricdata.ExponentialHistogramDataPoint[N]{
			Attributes: attribute.NewSet(decodeKVs(p.Attributes)...), StartTime: p.Start, Time: p.Time,
			Count: p.Count, Sum: val(p.Value), Min: decodeExtrema(p.Min, val), Max: decodeExtrema(p.Max, val),
			Scale: p.Scale, ZeroCount: p.ZeroCount, ZeroThreshold: p.ZeroThreshold.float(),
			PositiveBucket: metricdata.ExponentialBucket{Offset: p.Positive.Offset, Counts: p.Positive.Counts},
			NegativeBucket: metricdata.ExponentialBucket{Offset: p.Negative.Offset, Counts: p.Negative.Counts},
		}
	}
	return out
}

func decodeSummaries(ps []pointDoc) []metricdata.SummaryDataPoint {
	out := make([]metricdata.SummaryDataPoint, len(ps))
	for i, p := range ps {
		qs := make([]metricdata.QuantileValue, len(p.Quantiles))
		for j, q := range p.Quantiles {
			qs[j] = metricdata.QuantileValue{Quantile: q.Quantile.float(), Value: q.Value.float()}
		}
		out[i] = metricdata.SummaryDataPoint{
			Attributes: attribute.NewSet(decodeKVs(p.Attributes)...), StartTime: p.Start, Time: p.Time,
			Count: p.Count, Sum: p.Value.float(), QuantileValues: qs,
		}
	}
	return out
}

func decodeKVs(ds []kvDoc) []attribute.KeyValue {
	if len(ds) == 0 {
		return nil
	}
	out := make([]attribute.KeyValue, len(ds))
	for i, d := range ds {
		out[i] = attribute.KeyValue{Key: attribute.Key(d.Key), Value: decodeValue(d.Value)}
	}
	return out
}

func decodeValue(d valueDoc) attribute.Value {
	var n number
	if d.Number != nil {
		n = *d.Number
	}
	switch d.Type {
	case attribute.BOOL.String():
		return attribute.BoolValue(d.Bool)
	case attribute.INT64.String():
		return attribute.Int64Value(n.int())
	case attribute.FLOAT64.String():
		return attribute.Float64Value(n.float())
	case attribute.STRING.String():
		return attribute.StringValue(d.String)
	case attribute.BOOLSLICE.String():
		return attribute.BoolSliceValue(d.Bools)
	case attribute.INT64SLICE.String():
		is := make([]int64, len(d.Numbers))
		for i, x := range d.Numbers {
			is[i] = x.int()
		}
		return attribute.Int64SliceValue(is)
	case attribute.FLOAT64SLICE.String():
		fs := make([]float64, len(d.Numbers))
		for i, x := range d.Numbers {
			fs[i] = x.float()
		}
		return attribute.Float64SliceValue(fs)
	case attribute.STRINGSLICE.String():
		return attribute.StringSliceValue(d.Strings)
	case attribute.BYTESLICE.String():
		return attribute.ByteSliceValue(d.Bytes)
	case attribute.SLICE.String():
		vs := make([]attribute.Value, len(d.Values))
		for i, e := range d.Values {
			vs[i] = decodeValue(e)
		}
		return attribute.SliceValue(vs...)
	case attribute.MAP.String():
		return attribute.MapValue(decodeKVs(d.Map)...)
	}
	return attribute.Value{}
}
