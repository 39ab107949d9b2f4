"use strict";
// Shared by Kodiak's pages (the prediction page and the cleaner); loaded before each page's own script.

const $ = (id) => document.getElementById(id);

// The reason a request failed, in plain words: the problem's detail, else the HTTP status.
async function describeError(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// What to tell a person about an error thrown while asking the server.
function errorText(error) {
  return error.message === "Failed to fetch" ? "The server cannot be reached." : error.message;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}
