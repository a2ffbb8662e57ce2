// The back office's genealogy viewer: d3-hierarchy lays out the tree, d3-zoom pans and zooms it, and branches load
// from the genealogy API one page of children at a time as they are opened, so a downline of any size costs only
// what is on screen. Cards are HTML (real links and buttons, readable by screen readers); the links between them are
// one SVG path each. No inline script or style: positions are set through the CSSOM, texts come from the page's
// translated JSON (#tree-strings).
(function () {
  "use strict";

  var CARD_W = 208, CARD_H = 136, GAP_X = 16, GAP_Y = 56, PAGE = 50, MAX_PATH_PAGES = 40;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // Numbers as the page's language writes them ("1,000.00" in English, "1.000,00" in Spanish, like the server's).
  var LANG = document.documentElement.lang || undefined;
  function num(value, places) {
    var n = Number(value);
    if (value === null || value === "" || !isFinite(n)) return String(value);
    return n.toLocaleString(LANG, { minimumFractionDigits: places, maximumFractionDigits: places, useGrouping: "always" });
  }

  function init(viewport) {
    var T = JSON.parse(document.getElementById("tree-strings").textContent);
    var treeName = viewport.dataset.tree;
    var rootNumber = Number(viewport.dataset.root);
    var nodes = {};  // number -> {card, kids: [numbers] | null, page, pages, expanded, loading}
    var foundNumber = null;

    var stage = document.createElement("div");
    stage.className = "tree-stage";
    var svg = d3.create("svg").attr("class", "tree-links").attr("aria-hidden", "true").attr("focusable", "false");
    var cardsLayer = document.createElement("ul");
    cardsLayer.className = "tree-cards";
    cardsLayer.setAttribute("aria-label", viewport.getAttribute("aria-label"));
    stage.appendChild(svg.node());
    stage.appendChild(cardsLayer);
    viewport.appendChild(stage);

    var zoom = d3.zoom().scaleExtent([0.15, 2]).on("zoom", function (event) {
      var t = event.transform;
      stage.style.transform = "translate(" + t.x + "px," + t.y + "px) scale(" + t.k + ")";
    });
    var view = d3.select(viewport).call(zoom).on("dblclick.zoom", null);

    function childrenUrl(number, page) {
      return viewport.dataset.childrenUrl.replace(/\/0\/children\/$/, "/" + number + "/children/") +
        "?tree=" + encodeURIComponent(treeName) + "&page=" + page + "&page_size=" + PAGE;
    }

    function memberUrl(number) {
      return viewport.dataset.memberUrl.replace(/\/0\/$/, "/" + number + "/");
    }

    function getJson(url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      });
    }

    function remember(card) {
      var node = nodes[card.number];
      if (!node) {
        node = nodes[card.number] = { card: card, kids: null, page: 0, pages: 1, expanded: false, loading: false };
      } else {
        node.card = card;
      }
      return node;
    }

    function loadPage(number) {
      var node = nodes[number];
      node.loading = true;
      if (node.card) render();
      return getJson(childrenUrl(number, node.page + 1)).then(function (body) {
        remember(body.node);
        node.kids = (node.kids || []).concat(body.results.map(function (card) { remember(card); return card.number; }));
        node.page = body.page;
        node.pages = body.pages;
        node.loading = false;
        node.failed = false;
        return node;
      }, function () {
        node.loading = false;
        node.failed = true;
        render();
        throw new Error("load failed");
      });
    }

    function expand(number) {
      var node = nodes[number];
      node.expanded = true;
      if (node.kids !== null) { render(); return Promise.resolve(node); }
      return loadPage(number).then(function (n) { render(); return n; });
    }

    function toggle(number) {
      var node = nodes[number];
      if (node.expanded) { node.expanded = false; render(); } else { expand(number); }
    }

    // The layout: a d3 hierarchy of the opened part only, with a "more" leaf where a wide node has unloaded pages.
    function hierarchyData(number) {
      var node = nodes[number];
      var data = { number: number, kind: "member" };
      if (node.expanded && node.kids) {
        data.children = node.kids.map(hierarchyData);
        if (node.page < node.pages) {
          data.children.push({ number: number, kind: "more", left: node.card.children - node.kids.length });
        }
      }
      return data;
    }

    var layout = d3.tree().nodeSize([CARD_W + GAP_X, CARD_H + GAP_Y]);
    var positions = {};

    function cardText(card) {
      var lines = [];
      var place = "";
      if (card.position !== null && card.position !== undefined) {
        place = treeName === "placement" && viewport.dataset.binary !== "false" && card.position < 2
          ? (card.position === 0 ? T.left : T.right) : fmt(T.slot, { n: card.position + 1 });
      }
      var rank = card.rank_name || T.rank_none;
      lines.push(card.downline > 0 ? rank + " · " + fmt(T.downline, { n: num(card.downline, 0) }) : rank);
      var gv = card.gv === null ? T.gv_pending : T.gv + " " + num(card.gv, 2);
      lines.push(T.pv + " " + num(card.pv, 2) + " · " + gv);
      return { place: place, lines: lines };
    }

    function memberItem(d) {
      var node = nodes[d.data.number];
      var card = node.card;
      var li = document.createElement("li");
      li.className = "tree-card" + (card.active ? " is-active" : " is-inactive") +
        (card.number === foundNumber ? " is-found" : "") + (card.number === rootNumber ? " is-root" : "");
      li.dataset.number = card.number;
      if (card.number === foundNumber) li.setAttribute("aria-current", "true");
      var name = document.createElement("a");
      name.className = "tree-name";
      name.href = memberUrl(card.number);
      name.textContent = card.full_name;
      var head = document.createElement("div");
      head.className = "tree-head";
      head.appendChild(name);
      var number = document.createElement("span");
      number.className = "tree-number";
      number.textContent = "#" + card.number + (card.number === rootNumber ? " (" + T.you + ")" : "");
      head.appendChild(number);
      li.appendChild(head);
      var text = cardText(card);
      text.lines.forEach(function (line, i) {
        var p = document.createElement("p");
        p.className = i === 0 ? "tree-rank" : "tree-figures";
        p.textContent = line;
        li.appendChild(p);
      });
      var badges = document.createElement("p");
      badges.className = "tree-badges";
      var status = document.createElement("span");
      status.className = "badge " + (card.active ? "badge-active" : "badge-inactive");
      status.textContent = card.status_label;
      badges.appendChild(status);
      if (card.new_this_period) {
        var fresh = document.createElement("span");
        fresh.className = "badge badge-new";
        fresh.textContent = T.new;
        badges.appendChild(fresh);
      }
      if (text.place) {
        var place = document.createElement("span");
        place.className = "badge";
        place.textContent = text.place;
        badges.appendChild(place);
      }
      li.appendChild(badges);
      if (card.children > 0) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "tree-toggle";
        button.setAttribute("aria-expanded", node.expanded ? "true" : "false");
        button.textContent = node.loading ? T.loading : node.expanded ? T.close : fmt(T.open, { n: num(card.children, 0) });
        if (node.failed) button.textContent = T.failed;
        button.addEventListener("click", function () { toggle(card.number); });
        li.appendChild(button);
      }
      return li;
    }

    function moreItem(d) {
      var li = document.createElement("li");
      li.className = "tree-card tree-more";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tree-toggle";
      button.textContent = fmt(T.more, { n: num(d.data.left, 0) });
      button.addEventListener("click", function () {
        loadPage(d.data.number).then(render);
      });
      li.appendChild(button);
      return li;
    }

    function render() {
      var root = layout(d3.hierarchy(hierarchyData(rootNumber)));
      var focused = document.activeElement && cardsLayer.contains(document.activeElement)
        ? document.activeElement.closest("li") : null;
      var refocus = focused ? focused.dataset.number + (document.activeElement.tagName === "BUTTON" ? "b" : "a") : null;
      cardsLayer.textContent = "";
      positions = {};
      root.descendants().forEach(function (d) {
        var li = d.data.kind === "more" ? moreItem(d) : memberItem(d);
        li.style.left = (d.x - CARD_W / 2) + "px";
        li.style.top = d.y + "px";
        if (d.data.kind === "member") positions[d.data.number] = { x: d.x, y: d.y };
        cardsLayer.appendChild(li);
      });
      svg.selectAll("path").data(root.links()).join("path").attr("d", function (l) {
        var midY = (l.source.y + CARD_H + l.target.y) / 2;
        return "M" + l.source.x + "," + (l.source.y + CARD_H) + "V" + midY + "H" + l.target.x + "V" + l.target.y;
      });
      if (refocus) {
        var again = cardsLayer.querySelector('li[data-number="' + refocus.slice(0, -1) + '"] ' +
          (refocus.slice(-1) === "b" ? "button" : "a"));
        if (again) again.focus({ preventScroll: true });
      }
    }

    function centreOn(number, scale) {
      var p = positions[number] || { x: 0, y: 0 };
      var k = scale || d3.zoomTransform(viewport).k || 1;
      var width = viewport.clientWidth;
      var top = number === rootNumber ? 16 : viewport.clientHeight / 2 - (CARD_H * k) / 2;
      view.transition().duration(300).call(
        zoom.transform, d3.zoomIdentity.translate(width / 2 - p.x * k, top - p.y * k).scale(k)
      );
    }

    // Opens every branch on the way from the top to a member (paging through wide nodes), then highlights them.
    function openPath(path) {
      var chain = Promise.resolve();
      path.slice(0, -1).forEach(function (number, i) {
        chain = chain.then(function () {
          var next = path[i + 1];
          return expand(number).then(function loadUntilFound(node) {
            if (node.kids.indexOf(next) >= 0) return node;
            if (node.page >= node.pages || node.page >= MAX_PATH_PAGES) throw new Error("not on the loaded pages");
            return loadPage(number).then(loadUntilFound);
          });
        });
      });
      return chain.then(function () {
        foundNumber = path[path.length - 1];
        render();
        centreOn(foundNumber, Math.max(d3.zoomTransform(viewport).k, 0.8));
        var link = cardsLayer.querySelector('li[data-number="' + foundNumber + '"] a');
        if (link) link.focus({ preventScroll: true });
      }, function () { render(); say(T.failed); });
    }

    var found = document.getElementById("tree-found");

    function say(text) {
      found.textContent = "";
      var p = document.createElement("p");
      p.textContent = text;
      found.appendChild(p);
    }

    document.getElementById("tree-search").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = event.target.elements.q.value.trim();
      if (!q) return;
      getJson(viewport.dataset.searchUrl + "?tree=" + encodeURIComponent(treeName) + "&q=" + encodeURIComponent(q))
        .then(function (hits) {
          if (hits.length === 0) { say(fmt(T.found_none, { q: q })); return; }
          if (hits.length === 1) {
            var depth = hits[0].path.length - 1;
            say(fmt(depth === 1 ? T.found_one_level : T.found_one, { name: hits[0].card.full_name, n: depth }));
            openPath(hits[0].path);
            return;
          }
          say(fmt(T.found_many, { n: hits.length }));
          var list = document.createElement("ul");
          list.className = "tree-hits";
          hits.forEach(function (hit) {
            var li = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = hit.card.full_name + " #" + hit.card.number + " · " +
              fmt(T.level, { n: hit.path.length - 1 });
            button.addEventListener("click", function () { openPath(hit.path); });
            li.appendChild(button);
            list.appendChild(li);
          });
          found.appendChild(list);
        }, function () { say(T.failed); });
    });

    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.dataset.zoom;
        if (how === "in") view.transition().duration(200).call(zoom.scaleBy, 1.3);
        else if (how === "out") view.transition().duration(200).call(zoom.scaleBy, 1 / 1.3);
        else centreOn(rootNumber, 1);
      });
    });

    // The canvas pans with the arrow keys and zooms with + and - when it has the focus.
    viewport.addEventListener("keydown", function (event) {
      if (event.target !== viewport) return;
      var step = 60, moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[event.key]) {
        event.preventDefault();
        view.call(zoom.translateBy, moves[event.key][0], moves[event.key][1]);
      } else if (event.key === "+" || event.key === "=") {
        view.call(zoom.scaleBy, 1.2);
      } else if (event.key === "-") {
        view.call(zoom.scaleBy, 1 / 1.2);
      }
    });

    nodes[rootNumber] = { card: null, kids: null, page: 0, pages: 1, expanded: true, loading: false };
    loadPage(rootNumber).then(function () {
      render();
      centreOn(rootNumber, viewport.clientWidth < 600 ? 0.75 : 1);
      viewport.dataset.ready = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var viewport = document.getElementById("genealogy");
    if (viewport && window.d3) init(viewport);
  });
})();
