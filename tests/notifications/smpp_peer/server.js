// Test SMSC for the notifications service, built on the independent node-smpp server (npm "smpp").
// It accepts binds, answers every submit_sm, appends each one to a JSONL log the tests count, sends delivery
// receipts when asked, answers query_sm (or refuses it with generic_nack when configured so), and takes control
// commands over HTTP (inject an MO message, change behaviour).
// Usage: node server.js <smpp_port> <control_port> <log_file>
'use strict';
const fs = require('fs');
const http = require('http');
const smpp = require('smpp');

const [smppPort, controlPort, logFile] = process.argv.slice(2);
const log = fs.openSync(logFile, 'a');
const sessions = new Set();
let nextId = 1;
// Behaviour knobs, changed through POST /config: per destination failures, artificial latency, receipts.
// query: answer query_sm (else generic_nack ESME_RINVCMDID); query_state: the message_state it answers.
const config = {
  permanent: {}, temporary: {}, delay_ms: 0, receipts: true, system_id: 'anju', password: 'secret',
  query: true, query_state: 2, delays: {},
};
let nextSession = 1;
const known = new Set(); // message ids this SMSC gave out
let nextMo = 0;

function record(entry) {
  fs.writeSync(log, JSON.stringify(entry) + '\n');
}

function decodeText(pdu) {
  const sm = pdu.short_message;
  if (sm && typeof sm === 'object' && !Buffer.isBuffer(sm)) {
    const udh = (sm.udh || []).map((b) => Buffer.from(b).toString('hex'));
    return { text: typeof sm.message === 'string' ? sm.message : Buffer.from(sm.message || []).toString('hex'), udh };
  }
  return { text: typeof sm === 'string' ? sm : Buffer.from(sm || []).toString('hex'), udh: [] };
}

function receipt(session, pdu, messageId) {
  const stamp = new Date().toISOString().replace(/[-T:]/g, '').slice(2, 12);
  const text = `id:${messageId} sub:001 dlvr:001 submit date:${stamp} done date:${stamp} stat:DELIVRD err:000 text:`;
  session.deliver_sm({
    source_addr: pdu.destination_addr,
    destination_addr: pdu.source_addr,
    esm_class: 0x04,
    short_message: text,
    receipted_message_id: messageId,
    message_state: 2,
  });
}

const server = smpp.createServer((session) => {
  session.socket.setNoDelay(true);
  session.number = nextSession++;
  sessions.add(session);
  session.on('close', () => sessions.delete(session));
  session.on('error', () => sessions.delete(session));
  session.on('bind_transceiver', (pdu) => {
    if (pdu.system_id !== config.system_id || pdu.password !== config.password) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.bound = true;
    session.send(pdu.response({ system_id: 'anju-test-smsc' }));
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
  session.on('deliver_sm_resp', () => {});
  session.on('query_sm', (pdu) => {
    record({ event: 'query_sm', message_id: pdu.message_id, at: Date.now() });
    if (!config.query) {
      session.send(new smpp.PDU('generic_nack', {
        sequence_number: pdu.sequence_number, command_status: smpp.ESME_RINVCMDID,
      }));
      return;
    }
    if (!known.has(pdu.message_id)) {
      session.send(pdu.response({ command_status: smpp.ESME_RQUERYFAIL }));
      return;
    }
    session.send(pdu.response({
      message_id: pdu.message_id, final_date: '', message_state: config.query_state, error_code: 0,
    }));
  });
  session.on('submit_sm', (pdu) => {
    const dest = pdu.destination_addr;
    const receivedAt = Date.now();
    const answer = () => {
      if (config.permanent[dest]) {
        record({ event: 'rejected', dest, status: config.permanent[dest], at: Date.now() });
        session.send(pdu.response({ command_status: config.permanent[dest] }));
        return;
      }
      if (config.temporary[dest] > 0) {
        config.temporary[dest] -= 1;
        record({ event: 'throttled', dest, at: Date.now() });
        session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
        return;
      }
      const messageId = `m${nextId++}`;
      known.add(messageId);
      const { text, udh } = decodeText(pdu);
      record({
        event: 'submit_sm', message_id: messageId, source: pdu.source_addr, dest, text, udh,
        data_coding: pdu.data_coding, esm_class: pdu.esm_class, registered_delivery: pdu.registered_delivery,
        sequence: pdu.sequence_number, session: session.number, received_at: receivedAt, at: Date.now(),
      });
      session.send(pdu.response({ message_id: messageId }));
      if (config.receipts && (pdu.registered_delivery & 0x01)) receipt(session, pdu, messageId);
    };
    // delays: per destination answer delays (answers out of order); delay_ms: for every other one.
    const delay = dest in config.delays ? config.delays[dest] : config.delay_ms;
    if (delay > 0) setTimeout(answer, delay); else answer();
  });
});
server.listen(Number(smppPort), '127.0.0.1');

function body(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data ? JSON.parse(data) : {}));
  });
}

http.createServer(async (req, res) => {
  const payload = await body(req);
  if (req.method === 'POST' && req.url === '/mo') {
    // A worker's reply: deliver it in UCS-2 over one bound link (taking turns), as an SMSC does when an ESME
    // holds several binds.
    const bound = [...sessions].filter((s) => s.bound);
    let sent = 0;
    if (bound.length) {
      bound[nextMo++ % bound.length].deliver_sm({
        source_addr: payload.from, destination_addr: payload.to || '10690000', data_coding: 8,
        short_message: { message: payload.text },
      });
      sent = 1;
    }
    res.end(JSON.stringify({ sent }));
  } else if (req.method === 'POST' && req.url === '/config') {
    Object.assign(config, payload);
    res.end(JSON.stringify(config));
  } else if (req.method === 'POST' && req.url === '/drop') {
    // Cut every link, as a network failure would.
    for (const s of sessions) s.socket.destroy();
    res.end(JSON.stringify({ dropped: true }));
  } else {
    res.end(JSON.stringify({ sessions: [...sessions].filter((s) => s.bound).length }));
  }
}).listen(Number(controlPort), '127.0.0.1', () => {
  process.stdout.write(`ready ${smppPort} ${controlPort}\n`);
});
