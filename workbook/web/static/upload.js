/* Upload progress for the return form (the form works without this script: the browser posts it and shows the
   answer). Plain ES5 and XMLHttpRequest, so that old browsers on an intranet run it. */
(function () {
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var box = document.getElementById('upload-progress');
  var bar = box.getElementsByTagName('progress')[0];
  var label = box.getElementsByTagName('span')[0];
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    box.hidden = false;
    label.textContent = form.getAttribute('data-sending');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(e.loaded * 100 / e.total);
        label.textContent = form.getAttribute('data-sending') + ' ' + bar.value + '%';
      }
    };
    xhr.upload.onload = function () { bar.value = 100; label.textContent = form.getAttribute('data-checking'); };
    xhr.onload = function () {
      var next = xhr.getResponseHeader('X-Result-Location');
      if (next) { window.location.href = next; return; }
      document.open(); document.write(xhr.responseText); document.close();  /* a refusal: its page as sent */
    };
    xhr.onerror = function () { button.disabled = false; label.textContent = form.getAttribute('data-failed'); };
    xhr.open('POST', form.getAttribute('action'));
    xhr.send(new FormData(form));
  });
})();
