//! Futures an actor spawns that hold database connections are dropped inside the tokio
//! runtime. When the actix system ends (a shutdown, the end of a test) its tasks are dropped
//! without the runtime entered; a pooled sqlx connection dropped mid-query then tries to
//! spawn its return to the pool, finds no runtime and panics in `drop`, which aborts the
//! process. [`InRuntime::in_runtime`] keeps the runtime's handle and enters it for the drop.
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

/// A future that is dropped with its runtime entered.
pub struct DropInRuntime<F> {
    future: Option<Pin<Box<F>>>,
    handle: Option<tokio::runtime::Handle>,
}

impl<F: Future> Future for DropInRuntime<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        match this.future.as_mut() {
            Some(future) => {
                let out = future.as_mut().poll(cx);
                if out.is_ready() {
                    this.future = None;
                }
                out
            }
            None => Poll::Pending,
        }
    }
}

impl<F> Drop for DropInRuntime<F> {
    fn drop(&mut self) {
        if let (Some(future), Some(handle)) = (self.future.take(), self.handle.as_ref()) {
            let _entered = handle.enter();
            drop(future);
        }
    }
}

/// [`DropInRuntime`] for any future.
pub trait InRuntime: Future + Sized {
    /// This future, dropped inside the runtime it was made in (if any).
    fn in_runtime(self) -> DropInRuntime<Self> {
        DropInRuntime {
            future: Some(Box::pin(self)),
            handle: tokio::runtime::Handle::try_current().ok(),
        }
    }
}

impl<F: Future> InRuntime for F {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Panics when dropped outside a runtime, as a pooled connection does.
    struct NeedsRuntime;

    impl Drop for NeedsRuntime {
        fn drop(&mut self) {
            assert!(tokio::runtime::Handle::try_current().is_ok(), "dropped outside the runtime");
        }
    }

    #[test]
    fn a_pending_future_is_dropped_with_its_runtime_entered() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        // Made (and its handle taken) inside the runtime.
        let future = {
            let _entered = runtime.enter();
            let held = NeedsRuntime;
            let pending = async move {
                let _held = held;
                std::future::pending::<()>().await;
            };
            pending.in_runtime()
        };
        // Outside `block_on`: no runtime is entered here.
        assert!(tokio::runtime::Handle::try_current().is_err());
        drop(future);
    }

    #[test]
    fn it_yields_what_the_future_yields() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(runtime.block_on(async { 7 }.in_runtime()), 7);
    }
}
