package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrProvider: the SMS provider could not be reached or refused the
// message.
var ErrProvider = errors.New("sms provider failed")

// AliyunEndpoint is Alibaba Cloud SMS's public endpoint.
const AliyunEndpoint = "https://dysmsapi.aliyuncs.com/"

// Aliyun sends through Alibaba Cloud SMS's SendSms (API version
// 2017-05-25), an RPC call signed with the AccessKey pair by signature
// version 1.0 (HMAC-SHA1; "Signature method" in the SMS documentation).
type Aliyun struct {
	Endpoint        string // AliyunEndpoint when empty
	AccessKeyID     string
	AccessKeySecret string
	SignName        string            // the approved signature (短信签名)
	TemplateCodes   map[string]string // econf's template → the approved TemplateCode
	RegionID        string            // cn-hangzhou when empty
	Client          *http.Client      // http.DefaultClient when nil
	Now             func() time.Time  // time.Now when nil
	Nonce           func() string     // a random UUID when nil
}

// Send calls SendSms for m and reports the provider's refusal (its Code
// and Message) as an error.
func (a *Aliyun) Send(ctx context.Context, m Message) error {
	tc, ok := a.TemplateCodes[m.Template]
	if !ok {
		return fmt.Errorf("aliyun sms: no TemplateCode configured for template %q", m.Template)
	}
	tp, err := json.Marshal(m.Params)
	if err != nil {
		return err
	}
	now, nonce := time.Now, func() string { return uuid.NewString() }
	if a.Now != nil {
		now = a.Now
	}
	if a.Nonce != nil {
		nonce = a.Nonce
	}
	p := url.Values{}
	p.Set("AccessKeyId", a.AccessKeyID)
	p.Set("Action", "SendSms")
	p.Set("Format", "JSON")
	p.Set("PhoneNumbers", m.To)
	p.Set("RegionId", or(a.RegionID, "cn-hangzhou"))
	p.Set("SignName", a.SignName)
	p.Set("SignatureMethod", "HMAC-SHA1")
	p.Set("SignatureNonce", nonce())
	p.Set("SignatureVersion", "1.0")
	p.Set("TemplateCode", tc)
	p.Set("TemplateParam", string(tp))
	p.Set("Timestamp", now().UTC().Format("2006-01-02T15:04:05Z"))
	p.Set("Version", "2017-05-25")
	p.Set("Signature", AliyunSignature(http.MethodPost, p, a.AccessKeySecret))

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, or(a.Endpoint, AliyunEndpoint), strings.NewReader(Canonical(p)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := a.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%w: aliyun sms: %w", ErrProvider, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("%w: aliyun sms: read answer: %w", ErrProvider, err)
	}
	var ans struct{ Code, Message, RequestId, BizId string }
	if err := json.Unmarshal(body, &ans); err != nil {
		return fmt.Errorf("%w: aliyun sms: HTTP %d, answer not JSON: %.200s", ErrProvider, res.StatusCode, body)
	}
	if res.StatusCode != http.StatusOK || ans.Code != "OK" {
		return fmt.Errorf("%w: aliyun sms refused (HTTP %d, request %s): %s: %s", ErrProvider, res.StatusCode, ans.RequestId, ans.Code, ans.Message)
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// PercentEncode is the RPC signature's encoding: RFC 3986, UTF-8, every
// byte but A-Z a-z 0-9 - _ . ~ as %XY (a space is %20, never +).
func PercentEncode(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}

// Canonical is the canonicalized query string: the parameters but
// Signature sorted by name, each name=value percent-encoded, joined by &.
// With Signature set it is also the request's form body.
func Canonical(p url.Values) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if k == "Signature" {
			continue
		}
		for _, v := range p[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(PercentEncode(k) + "=" + PercentEncode(v))
		}
	}
	if sig := p.Get("Signature"); sig != "" {
		b.WriteString("&Signature=" + PercentEncode(sig))
	}
	return b.String()
}

// AliyunSignature signs the parameters (Signature itself left out):
// StringToSign = method & percentEncode("/") & percentEncode(canonicalized
// query string), Signature = Base64(HMAC-SHA1(secret + "&", StringToSign)).
func AliyunSignature(method string, p url.Values, secret string) string {
	q := url.Values{}
	for k, v := range p {
		if k != "Signature" {
			q[k] = v
		}
	}
	toSign := method + "&" + PercentEncode("/") + "&" + PercentEncode(Canonical(q))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
