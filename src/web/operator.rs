//! The operator endpoints: `/health` (every actor's state as JSON; 503 when one is down) and
//! `/metrics` (Prometheus text, with the actors' up gauges set from the same health).
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::WebState;
use crate::actors::{
    health::{ComponentStatus, HealthState},
    health_monitor::CollectHealth,
};

/// Every actor's health, or why it could not be read.
async fn collect(state: &WebState) -> Result<Vec<ComponentStatus>, String> {
    let Some(monitor) = &state.health else { return Ok(Vec::new()) };
    match tokio::time::timeout(std::time::Duration::from_secs(5), monitor.send(CollectHealth)).await
    {
        Ok(Ok(all)) => Ok(all),
        Ok(Err(error)) => Err(format!("health monitor not answering: {error}")),
        Err(_) => Err("health monitor stalled".to_owned()),
    }
}

/// One actor as `/health` shows it.
pub fn actor_json(status: &ComponentStatus) -> serde_json::Value {
    let (state, since, error) = match &status.state {
        HealthState::Healthy => ("healthy", None, None),
        HealthState::Degraded { since, last_error } => ("degraded", Some(*since), Some(last_error)),
        HealthState::Down { since, last_error } => ("down", Some(*since), Some(last_error)),
        HealthState::Stalled { since, .. } => ("stalled", Some(*since), None),
    };
    let detail = match error {
        Some(error) if status.detail.contains(error.as_str()) => status.detail.clone(),
        Some(error) if !status.detail.is_empty() => format!("{}; {error}", status.detail),
        Some(error) => error.clone(),
        None => status.detail.clone(),
    };
    json!({
        "name": status.component,
        "state": state,
        "since": since.map(|s| s.to_rfc3339()),
        "detail": detail,
    })
}

/// `/health`.
pub async fn health(state: web::Data<WebState>) -> HttpResponse {
    let all = match collect(&state).await {
        Ok(all) => all,
        Err(why) => {
            return HttpResponse::ServiceUnavailable()
                .json(json!({"status": "down", "actors": [], "detail": why}));
        }
    };
    let down = all.iter().any(|s| matches!(s.state, HealthState::Down { .. }));
    let degraded = all.iter().any(|s| !matches!(s.state, HealthState::Healthy));
    let status = if down {
        "down"
    } else if degraded {
        "degraded"
    } else {
        "ok"
    };
    let body = json!({"status": status, "actors": all.iter().map(actor_json).collect::<Vec<_>>()});
    if down { HttpResponse::ServiceUnavailable().json(body) } else { HttpResponse::Ok().json(body) }
}

/// `/metrics`.
pub async fn metrics(state: web::Data<WebState>) -> HttpResponse {
    if let Ok(all) = collect(&state).await {
        let up: Vec<(String, bool)> = all
            .iter()
            .map(|s| (s.component.clone(), !matches!(s.state, HealthState::Down { .. })))
            .collect();
        crate::metrics::get().actors(&up);
    }
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(crate::metrics::get().encode())
}
