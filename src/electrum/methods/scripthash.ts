// blockchain.scripthash.*: balance, history, mempool, unspent outputs and subscriptions. Each
// answer reads one served state: the mempool part synchronously when the view is taken, the
// confirmed part from that view's snapshot.
import type { MethodDef } from './types.js';
import { p } from './types.js';
import { toDisplayHex } from '../../chain/hash.js';
import { scriptKeyOf } from '../../index/index.js';
import { outpointKeyOf, txKeyOf } from '../../mempool/tx.js';
import { scriptHashParam } from '../params.js';
import { forEachHistoryRun, historyJsonFromPacked, mempoolPart } from '../status.js';
import { TextBuffer, historyJson } from '../history-text.js';
import { JsonBytes, JsonText } from '../context.js';
import { responseTooLarge } from '../errors.js';
import { withServed } from './headers.js';

const scripthash = [p('scripthash')];

export const scripthashMethods: MethodDef[] = [
  {
    name: 'blockchain.scripthash.get_balance',
    sig: { params: scripthash },
    run: (call, [sh]) => {
      const scriptHash = scriptHashParam(sh);
      return withServed(call, async (served) => {
        const unconfirmed = served.mempool.balanceDelta(scriptKeyOf(scriptHash));
        const confirmed = await served.view.reader.getBalance(scriptHash);
        return { confirmed, unconfirmed };
      });
    },
  },
  {
    name: 'blockchain.scripthash.get_history',
    sig: { params: scripthash },
    run: (call, [sh]) => {
      const scriptHash = scriptHashParam(sh);
      const { maxHistory, maxSend } = call.server.limits;
      return withServed(call, async (served) => {
        const mem = mempoolPart(served.mempool, scriptKeyOf(scriptHash));
        // A wallet asks for the history of what it just subscribed to: the subscription has it.
        const known = call.server.hub.confirmedPacked(scriptHash, served.epoch);
        const id = scriptHash.toString('latin1');
        const cached = known === null ? call.server.histories.get(id) : undefined;
        const out = new TextBuffer(known !== null ? known.length * 3 + 256 : cached !== undefined ? cached.length + 4096 : 64 * 1024);
        out.char(0x5b);
        if (known !== null) out.bytes(Buffer.from(historyJsonFromPacked(known), 'latin1'));
        else if (cached !== undefined) out.bytes(cached);
        else {
          const entries = await forEachHistoryRun(served.view.reader, scriptHash, maxHistory, 0, (run) => {
            historyJson(out, run);
            if (out.length > maxSend) throw responseTooLarge(maxSend);
          });
          // A long history read from the state still served is kept for the next ask.
          if (entries >= call.server.histories.fromEntries && call.server.chain.isServed(served.view)) {
            call.server.histories.put(id, scriptKeyOf(scriptHash), Buffer.from(out.view().subarray(1)));
          }
        }
        let s = '';
        for (const tx of mem) s += `{"tx_hash":"${toDisplayHex(tx.txid)}","height":${tx.height},"fee":${tx.fee}},`;
        if (s) out.bytes(Buffer.from(s, 'latin1'));
        // Drop the last entry's comma.
        if (out.length > 1) out.length--;
        out.char(0x5d);
        // Short answers as text; long ones go to the socket as the bytes they were written into.
        return out.length < 64 * 1024 ? new JsonText(out.toString()) : new JsonBytes(out.view());
      });
    },
  },
  {
    name: 'blockchain.scripthash.get_mempool',
    sig: { params: scripthash },
    run: (call, [sh]) => {
      const key = scriptKeyOf(scriptHashParam(sh));
      return mempoolPart(call.server.chain.mempool, key).map((tx) => ({ tx_hash: toDisplayHex(tx.txid), height: tx.height, fee: tx.fee }));
    },
  },
  {
    name: 'blockchain.scripthash.listunspent',
    sig: { params: scripthash },
    run: (call, [sh]) => {
      const scriptHash = scriptHashParam(sh);
      return withServed(call, async (served) => {
        const key = scriptKeyOf(scriptHash);
        const { mempool } = served;
        // Mempool outputs after the confirmed ones, in the status order of their transactions.
        const rank = new Map(mempoolPart(mempool, key).map((tx, i) => [tx, i]));
        const unconfirmed = mempool
          .utxosOf(key)
          .sort((a, b) => rank.get(a.tx)! - rank.get(b.tx)! || a.vout - b.vout)
          .map((u) => ({ tx_hash: toDisplayHex(u.tx.txid), tx_pos: u.vout, height: 0, value: u.value }));
        // Which confirmed outputs the mempool spends, read now with the mempool part.
        const spent = new Set<string>();
        for (const tx of mempool.txsOf(key)) for (let i = 0; i < tx.inputCount; i++) spent.add(tx.prevout(i));
        const confirmed = await served.view.reader.getUtxos(scriptHash);
        const out = [];
        for (const u of confirmed) {
          if (spent.has(outpointKeyOf(txKeyOf(u.txid), u.vout))) continue;
          out.push({ tx_hash: toDisplayHex(u.txid), tx_pos: u.vout, height: u.height, value: u.value });
        }
        return out.concat(unconfirmed);
      });
    },
  },
  {
    name: 'blockchain.scripthash.subscribe',
    sig: { params: scripthash },
    run: ({ session }, [sh]) => session.subscribe(scriptHashParam(sh), sh as string),
  },
  {
    name: 'blockchain.scripthash.unsubscribe',
    sig: { params: scripthash },
    since: [1, 4, 2],
    run: ({ session }, [sh]) => {
      scriptHashParam(sh);
      return session.unsubscribe(sh as string);
    },
  },
];
