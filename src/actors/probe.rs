//! A probe actor for tests: every message it receives goes into a channel.
use actix::prelude::*;
use tokio::sync::mpsc::UnboundedSender;

/// Forwards each `M` it receives to a channel.
pub struct Probe<M: Message<Result = ()> + Send + 'static> {
    sender: UnboundedSender<M>,
}

impl<M: Message<Result = ()> + Send + Unpin + 'static> Probe<M> {
    /// Starts a probe on the current arbiter.
    pub fn start(sender: UnboundedSender<M>) -> Addr<Self> {
        Actor::start(Probe { sender })
    }
}

impl<M: Message<Result = ()> + Send + Unpin + 'static> Actor for Probe<M> {
    type Context = Context<Self>;
}

impl<M: Message<Result = ()> + Send + Unpin + 'static> Handler<M> for Probe<M> {
    type Result = ();

    fn handle(&mut self, msg: M, _ctx: &mut Self::Context) {
        let _ = self.sender.send(msg);
    }
}
