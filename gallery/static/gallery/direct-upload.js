// Voice-sample inline of the curation admin: send the chosen MP3 straight to object storage.
// The file input names the upload-url endpoint; the file is PUT to the slot it returns (S3
// presigned PUT, or the local signed slot) and only the object's URL is posted with the form.
// Without this script the file is simply posted with the form.
(function () {
  "use strict";

  let pending = 0;

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function statusFor(input) {
    let status = input.parentNode.querySelector(".direct-upload-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "direct-upload-status";
      input.parentNode.appendChild(status);
    }
    return status;
  }

  async function upload(input) {
    const file = input.files[0];
    const urlField = document.querySelector(
      "input[name='" + input.name.replace(/-upload$/, "-file_url") + "']");
    if (!file || !urlField) {
      return;
    }
    const status = statusFor(input);
    status.textContent = " Uploading…";
    pending += 1;
    try {
      const slotResponse = await fetch(input.dataset.directUpload, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-Csrf-Token": csrfToken()},
        body: JSON.stringify({fileName: file.name, fileType: file.type || "audio/mpeg", fileSize: file.size}),
      });
      const body = await slotResponse.json();
      if (!slotResponse.ok) {
        status.textContent = " " + body.error.message;
        input.value = "";
        return;
      }
      const put = await fetch(body.data.uploadUrl, {
        method: "PUT", headers: {"Content-Type": "audio/mpeg"}, body: file,
      });
      if (!put.ok) {
        // Leave the file selected: the form posts it instead.
        status.textContent = " Direct upload failed (" + put.status + "); the file will be sent with the form.";
        return;
      }
      urlField.value = body.data.fileUrl;
      input.value = "";
      input.dataset.uploaded = file.name;
      status.textContent = " Uploaded to storage: " + file.name;
    } catch (error) {
      status.textContent = " Direct upload failed; the file will be sent with the form.";
    } finally {
      pending -= 1;
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=file][data-direct-upload]")) {
      upload(event.target);
    }
  });

  document.addEventListener("submit", function (event) {
    if (pending > 0) {
      event.preventDefault();
      window.alert("A sample is still uploading; save again when it has finished.");
    }
  });
})();
