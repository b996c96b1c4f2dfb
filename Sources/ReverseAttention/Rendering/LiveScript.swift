/// The served page's script (`rat serve`, `LivePage`): Trace posts the text to `/api/trace` with
/// the explorer and redraws in place (`rat.load`); Generate streams `/api/generate`'s events into
/// the page as the model writes, then traces the whole text. Errors show in the status line.
let liveScript = #"""
(function () {
  'use strict';
  var form = document.getElementById('live-form');
  var text = document.getElementById('live-text');
  var chat = document.getElementById('live-chat');
  var status = document.getElementById('live-status');
  var output = document.getElementById('live-output');
  var busy = false;

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle('error-text', !!isError);
  }
  function input() {
    if (chat && chat.checked) return { messages: [{ role: 'user', content: text.value }] };
    return { text: text.value };
  }
  function setBusy(on) {
    busy = on;
    document.getElementById('live-trace').disabled = on;
    document.getElementById('live-generate').disabled = on;
  }
  // POSTs JSON; resolves with the response.
  function send(path, body) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }
  // Rejects with the server's message ({"error": ...}) or the status.
  function failure(response) {
    return response.text().then(function (body) {
      var parsed = {};
      try { parsed = JSON.parse(body); } catch (e) { /* not JSON */ }
      throw new Error(parsed.error || ('HTTP ' + response.status));
    });
  }
  // POSTs JSON; resolves with the parsed answer.
  function post(path, body) {
    return send(path, body).then(function (response) {
      if (!response.ok) return failure(response);
      return response.text().then(function (text) {
        try { return JSON.parse(text); } catch (e) { throw new Error('HTTP ' + response.status); }
      });
    });
  }
  // Traces a request (text, messages or ids) with every layer explored and shows it.
  function trace(request) {
    var started = performance.now();
    request.explore = 'all';
    say('tracing\u2026');
    return post('/api/trace', request).then(function (answer) {
      var explore = answer.explore;
      delete answer.explore;
      window.rat.load({ trace: answer, explore: explore });
      say('traced ' + answer.metadata.seq_len + ' tokens in ' + Math.round(performance.now() - started) + ' ms');
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    if (!text.value) { say('type a text first', true); return; }
    setBusy(true);
    output.hidden = true;
    trace(input()).catch(function (error) { say(error.message, true); }).then(function () { setBusy(false); });
  });

  // Server-sent events from a POST: read the stream, split it into events.
  document.getElementById('live-generate').addEventListener('click', function () {
    if (busy) return;
    if (!text.value) { say('type a prompt first', true); return; }
    setBusy(true);
    var request = input();
    request.max_new_tokens = Number(document.getElementById('live-max-new').value) || 32;
    output.hidden = false;
    output.textContent = '';
    var written = document.createElement('span');
    written.className = 'written';
    output.appendChild(written);
    say('generating\u2026');
    var done = null, failed = null, count = 0;
    send('/api/generate', request)
      .then(function (response) {
        if (!response.ok) return failure(response);
        var reader = response.body.getReader(), decoder = new TextDecoder(), pending = '';
        function handle(block) {
          var name = 'message', payload = '';
          block.split('\n').forEach(function (line) {
            if (line.indexOf('event: ') === 0) name = line.slice(7);
            else if (line.indexOf('data: ') === 0) payload += line.slice(6);
          });
          var value = JSON.parse(payload);
          if (name === 'token') {
            written.textContent += value.text;
            count++;
            say('generating\u2026 ' + count + ' tokens');
          } else if (name === 'done') {
            done = value;
          } else if (name === 'error') {
            failed = value.error;
          }
        }
        function pump() {
          return reader.read().then(function (part) {
            if (part.done) return;
            pending += decoder.decode(part.value, { stream: true });
            var cut;
            while ((cut = pending.indexOf('\n\n')) !== -1) {
              handle(pending.slice(0, cut));
              pending = pending.slice(cut + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .then(function () {
        if (failed) throw new Error(failed);
        if (!done) throw new Error('the stream ended early');
        // Trace the prompt and what was written, from the last written token.
        return trace({ ids: done.prompt_ids.concat(done.generated_ids) });
      })
      .catch(function (error) { say(error.message, true); })
      .then(function () { setBusy(false); });
  });
})();
"""#
