package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/outage"
	"github.com/econf/econf/internal/personal"
)

// problem is an RFC 9457 problem detail, with every field error at once.
type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Zh     string              `json:"zh,omitempty"`
	Rule   string              `json:"rule,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
	// Incident names the integrity incident a refusal is about.
	Incident  string `json:"incident,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

const problemBase = "https://econf.invalid/problems/"

func writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	p.RequestID = middleware.GetReqID(r.Context())
	if p.Type == "" {
		p.Type = "about:blank"
	}
	lang := answerLanguage(r)
	p.localize(lang)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", lang)
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(p.Status)
	_ = newEncoder(w).Encode(p) // the client went away; nothing to do
}

// newEncoder writes JSON as it is: <, > and & stay themselves instead of
// \u003c and the like (every answer is application/json, never HTML).
func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// statusClientClosed is the status logged for a request its client gave up
// on (nginx's 499; no standard code exists and no client receives it).
const statusClientClosed = 499

// retryAfter is the Retry-After, in seconds, of a 503 that a retry may
// cure: an outage of the database or event store, a timeout.
const retryAfter = "2"

// unreachable reports whether err means the database or event store could
// not be reached or went away mid-request: a failure of the moment, not of
// the request, and never a 500 (see package outage).
func unreachable(err error) bool { return outage.Is(err) }

// writeError turns an error from a command or query into its problem. Only
// errors no user input can cause become a 500, and those are logged.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *domain.ValidationError
	var se *domain.StateError
	switch {
	case errors.As(err, &ve):
		writeValidation(w, r, ve.Fields)
	case errors.As(err, &se):
		writeProblem(w, r, problem{Type: problemBase + "wrong-state", Title: "Not allowed in the record's status", Status: http.StatusConflict,
			Detail: se.Message, Zh: se.Zh, Rule: se.Rule})
	case errors.Is(err, eventstore.ErrWrongVersion):
		writeProblem(w, r, problem{Type: problemBase + "stale-version", Title: "The record has changed", Status: http.StatusConflict,
			Detail: "the record is not at the version in If-Match; reload it and try again", Zh: "记录已被修改，请刷新后重试"})
	case errors.Is(err, eventstore.ErrDuplicateEvent):
		// Event ids derive from the command id, and so from the
		// Idempotency-Key: an id already stored in another stream means the
		// key's command ran on another record (its stored answer lost, say
		// by a crash before it was kept). Nothing was written.
		writeProblem(w, r, problem{Type: problemBase + "idempotency-key-reused", Title: "Idempotency-Key reused", Status: http.StatusUnprocessableEntity,
			Detail: "this Idempotency-Key was used for a different request; use a new key", Zh: "该幂等键已用于其他请求，请使用新的键"})
	case errors.Is(err, personal.ErrUnknownPerson):
		writeProblem(w, r, problem{Type: problemBase + "unknown-person", Title: "Unknown person", Status: http.StatusNotFound,
			Detail: err.Error() + "; nothing was written", Zh: "未找到该人员的任何个人信息，未写入任何数据"})
	case errors.Is(err, personal.ErrAlreadyErased):
		writeProblem(w, r, problem{Type: problemBase + "already-erased", Title: "Already erased", Status: http.StatusConflict,
			Detail: err.Error() + "; nothing was written", Zh: "该人员的个人信息已删除，未写入任何数据"})
	case errors.Is(err, commands.ErrNotTraining):
		writeProblem(w, r, problem{Type: problemBase + "not-training", Title: "Not a training instance", Status: http.StatusConflict,
			Detail: err.Error() + "; nothing was written", Zh: "本实例使用真实时钟，只有培训实例（ECONF_TRAINING=on 且设置 ECONF_CLOCK）可以调整时钟，未写入任何数据"})
	case errors.Is(err, commands.ErrNoPersonalData):
		writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: err.Error(), Zh: "本服务未加密保存个人信息，无法删除或导出"})
	case errors.Is(err, domain.ErrNotFound):
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound,
			Detail: "no such record", Zh: "记录不存在"})
	case errors.Is(err, domain.ErrForbidden):
		writeProblem(w, r, problem{Type: problemBase + "forbidden", Title: "Forbidden", Status: http.StatusForbidden,
			Detail: "your role or organisation may not do this", Zh: "您的角色或所属单位无权执行此操作", Rule: "R-ACT-02"})
	case errors.Is(err, auth.ErrEmailTaken):
		writeProblem(w, r, problem{Type: problemBase + "conflict", Title: "Conflict", Status: http.StatusConflict,
			Detail: "this email address is already registered", Zh: "该邮箱已被注册"})
	case errors.Is(err, domain.ErrConflict):
		writeProblem(w, r, problem{Type: problemBase + "conflict", Title: "Conflict", Status: http.StatusConflict,
			Detail: "the record already exists or conflicts with existing data (" + err.Error() + ")", Zh: "记录已存在或与现有数据冲突（" + err.Error() + "）"})
	case errors.Is(err, auth.ErrBadCredentials):
		s.unauthorized(w, r, "wrong email or password", "邮箱或密码错误")
	case errors.Is(err, auth.ErrNoSession):
		s.unauthorized(w, r, "the session is not valid (expired, signed out or unknown); sign in again", "登录已失效（已过期、已退出或无效），请重新登录")
	case errors.Is(err, commands.ErrTampered):
		// Not a server failure: the record is locked until an auditor has
		// recorded the incident (docs/operations.md, "When a chain breaks").
		s.Log.ErrorContext(r.Context(), "tampered event chain", "err", err, "request_id", middleware.GetReqID(r.Context()))
		p := problem{Type: problemBase + "chain-broken", Title: "Record locked: integrity check failed", Status: http.StatusLocked,
			Detail: "a stored event of this record no longer matches its hash chain; nothing was written; an auditor must examine the record's history and record the incident",
			Zh:     "该记录的事件哈希链校验失败，记录已锁定，未写入任何数据；请审计人员核查并登记该事件"}
		if c, ok := commands.AsChainBroken(err); ok {
			p.Incident = c.Incident.String()
			p.Detail = fmt.Sprintf("incident %s: event %d of %s no longer matches its predecessor's hash; nothing was written; an auditor must examine the record's history and record the incident (POST /api/v1/audit/incidents with stream %q and brokenAt %d)",
				c.Incident, c.Number, c.Stream, c.Stream, c.Number)
			p.Zh = fmt.Sprintf("事件 %s：%s 的第 %d 个事件与前一事件的哈希不符，记录已锁定，未写入任何数据；请审计人员核查该记录的历史并登记该事件（POST /api/v1/audit/incidents，stream 为 %q，brokenAt 为 %d）",
				c.Incident, c.Stream, c.Number, c.Stream, c.Number)
		}
		writeProblem(w, r, p)
	case errors.Is(err, eventstore.ErrStreamDeleted):
		// econf never deletes: an operator did, in the event store itself.
		s.Log.WarnContext(r.Context(), "a record's stream was deleted in the event store", "err", err, "request_id", middleware.GetReqID(r.Context()))
		writeProblem(w, r, problem{Type: problemBase + "deleted", Title: "Gone", Status: http.StatusGone,
			Detail: "the record's history was deleted in the event store by its operator; nothing was written", Zh: "该记录的事件流已在事件存储中被删除，未写入任何数据"})
	case errors.Is(err, eventstore.ErrAccessDenied):
		s.Log.ErrorContext(r.Context(), "the event store refuses econf's credentials", "err", err, "request_id", middleware.GetReqID(r.Context()))
		writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the event store refused access; nothing was written; the operator must check econf's credentials", Zh: "事件存储拒绝访问，未写入任何数据，请联系管理员"})
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away (closed the connection, gave up waiting):
		// no one reads the answer, and it is not a server failure. A
		// command cut off this way either committed or wrote nothing.
		s.Log.InfoContext(r.Context(), "client went away", "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path)
		writeProblem(w, r, problem{Type: problemBase + "client-closed", Title: "Client closed the request", Status: statusClientClosed,
			Detail: "the request was cancelled by the client", Zh: "请求已被客户端取消"})
	case unreachable(err):
		s.Log.WarnContext(r.Context(), "database or event store unreachable", "err", err, "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path)
		w.Header().Set("Retry-After", retryAfter)
		writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the database or event store cannot be reached (down or restarting); a command was not acknowledged, so retry it (with its Idempotency-Key)",
			Zh:     "数据库或事件存储暂不可用（停机或重启中），请稍后重试"})
	case errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", retryAfter)
		writeProblem(w, r, problem{Type: problemBase + "timeout", Title: "Timed out", Status: http.StatusServiceUnavailable,
			Detail: "the request took too long; try again", Zh: "请求超时，请重试"})
	default:
		s.Log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path)
		writeProblem(w, r, problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
			Detail: "something went wrong on our side; the request id helps us find it", Zh: "服务器内部出错；请求编号可帮助我们查找原因"})
	}
}

// unauthorized answers 401 with why, in English and Chinese.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, detail, zh string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="econf"`)
	writeProblem(w, r, problem{Type: problemBase + "unauthorized", Title: "Unauthorized", Status: http.StatusUnauthorized,
		Detail: detail, Zh: zh})
}

func badRequest(w http.ResponseWriter, r *http.Request, fields ...domain.FieldError) {
	writeProblem(w, r, problem{Type: problemBase + "bad-request", Title: "Malformed request", Status: http.StatusBadRequest,
		Detail: "the request could not be read; see errors", Zh: "请求格式错误，详见错误列表", Errors: fields})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = newEncoder(w).Encode(v) // the client went away; nothing to do
}
