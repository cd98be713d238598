//! The indexer: a thread that takes each committed block from the core, indexes its txs and
//! then publishes its events, so block production never waits for indexing (as CometBFT's
//! indexer service), and whoever hears of a tx can already look it up.

use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use tendermint::abci::response::FinalizeBlock;
use tendermint::{block, Block};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tracing::error;

use super::events::{CommittedBlock, NewBlockEvent, TxEvent};
use super::hashing::tx_hash;
use super::store::TxRecord;
use super::tx_index::{IndexedTx, TxIndex};

/// Committed blocks queued for indexing; the core waits when the indexer is this far behind.
pub(crate) const INDEX_QUEUE: usize = 64;

/// A committed block handed from the core to the indexer.
pub(crate) struct IndexJob {
    pub block: Block,
    pub block_id: block::Id,
    pub results: FinalizeBlock,
}

pub(crate) fn spawn(
    index: Arc<TxIndex>,
    events: broadcast::Sender<Arc<CommittedBlock>>,
    shutdown: CancellationToken,
) -> std::io::Result<(SyncSender<IndexJob>, std::thread::JoinHandle<()>)> {
    let (jobs, queue) = std::sync::mpsc::sync_channel(INDEX_QUEUE);
    let thread = std::thread::Builder::new()
        .name("kumo-node-indexer".into())
        .spawn(move || run(index, queue, events, shutdown))?;
    Ok((jobs, thread))
}

/// Indexes and publishes until the core drops its sender; a failing index stops the node.
fn run(
    index: Arc<TxIndex>,
    queue: Receiver<IndexJob>,
    events: broadcast::Sender<Arc<CommittedBlock>>,
    shutdown: CancellationToken,
) {
    for job in queue {
        let committed = committed_block(job);
        let txs: Vec<IndexedTx<'_>> = committed
            .txs
            .iter()
            .map(|tx| IndexedTx {
                hash: tx.record.hash,
                index: tx.record.index,
                result: &tx.record.result,
            })
            .collect();
        if let Err(e) = index.index_block(committed.height(), &txs) {
            error!(error = %e, height = committed.height(), "indexing failed; stopping the node");
            shutdown.cancel();
            return;
        }
        drop(txs);
        // No subscribers is normal; a send error only means nobody listens.
        let _ = events.send(Arc::new(committed));
    }
}

fn committed_block(job: IndexJob) -> CommittedBlock {
    let height = job.block.header.height.value();
    let txs = job
        .block
        .data
        .iter()
        .zip(&job.results.tx_results)
        .enumerate()
        .map(|(index, (tx, result))| {
            Arc::new(TxEvent::new(TxRecord {
                hash: tx_hash(tx),
                height,
                index: index as u32,
                tx: tx.clone(),
                result: result.clone(),
            }))
        })
        .collect();
    CommittedBlock {
        new_block: Arc::new(NewBlockEvent::new(job.block, job.block_id, job.results)),
        txs,
    }
}
