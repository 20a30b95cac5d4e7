module TopModule (
  input        clk,
  input        reset,
  input        start,
  input  [7:0] din,
  output reg   tx,
  output reg   busy
);
  reg [7:0] buffer;
  reg [3:0] cnt;
  always @(posedge clk) begin
    if (reset) begin
      tx     <= 1'b1;
      busy   <= 1'b0;
      buffer <= 8'd0;
      cnt    <= 4'd0;
    end else if (!busy) begin
      tx <= 1'b1;
      if (start) begin
        buffer <= din;
        busy   <= 1'b1;
        tx     <= 1'b0;
        cnt    <= 4'd0;
      end
    end else if (cnt < 4'd8) begin
      tx  <= buffer[cnt[2:0]];
      cnt <= cnt + 4'd1;
    end else if (cnt == 4'd8) begin
      tx  <= 1'b1;
      cnt <= 4'd9;
    end else begin
      tx   <= 1'b1;
      busy <= 1'b0;
    end
  end
endmodule
